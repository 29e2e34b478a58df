import { beforeAll, describe, expect, it } from 'vitest';
import { checkDiagnosisPeriod, readDiagnosis } from './read-diagnosis.js';
import type { Diagnosis, Finding } from './diagnose.js';
import { diagnosisText } from './diagnosis-text.js';
import { seedFleet, type SeededFleet } from './test-support/seeded-fleet.js';

let fleet: SeededFleet;
let diagnosis: Diagnosis;

beforeAll(async () => {
  fleet = await seedFleet();
  diagnosis = await readDiagnosis(fleet.store, { fromMs: fleet.fromMs, toMs: fleet.toMs });
}, 120_000);

const found = (subject: string, measure: string): Finding | undefined =>
  diagnosis.findings.find((f) => f.subject.id === subject && f.measure === measure);

describe('diagnosing a fleet seeded through the engine', () => {
  it('finds every planted culprit with its cause, and nothing else', () => {
    const planted = [
      ['M0001/T0003', 'terminal.double_reads', 'hardware'],
      ['M0001/T0004', 'terminal.printer_faults', 'hardware'],
      ['M0001/T0005', 'terminal.lost_answers', 'network'],
      ['M0001/T0006', 'terminal.retransmissions', 'software'],
      ['M0001/T0007', 'terminal.mac_failures', 'software'],
      ['M0001/99', 'operator.keyed_twice', 'operator'],
      ['M0001/98', 'operator.voids_soon', 'operator'],
      ['4g:DropNet', 'network.offline_periods', 'network'],
      ['issuer', 'provider.timeouts', 'third_party'],
    ];
    const got = diagnosis.findings.map((f) => [f.subject.id, f.measure, f.cause]);
    expect(got.sort()).toEqual(planted.sort());
  });

  it('says each remedy in words support acts on, in both languages', () => {
    expect(found('M0001/T0003', 'terminal.double_reads')?.remedy).toEqual({
      zh: '终端 T0003（商户 M0001）：读卡器重复读卡率 30.0%（机队 0.3%，n=60），建议检查或更换读卡器',
      en: 'Terminal T0003 (merchant M0001): card reader double reads 30.0% (fleet 0.3%, n=60); check or replace the card reader',
    });
    // The terminal that retransmits runs old software: the remedy names the version to install.
    expect(found('M0001/T0006', 'terminal.retransmissions')?.remedy.zh).toContain(
      '（当前版本 3.1.0，机队最新 3.2.1）',
    );
    expect(found('M0001/99', 'operator.keyed_twice')?.remedy.en).toContain(
      'Operator 99 (merchant M0001): sales keyed twice',
    );
  });

  it('backs each finding with the transactions behind it, all of its subject', async () => {
    const lost = found('M0001/T0005', 'terminal.lost_answers');
    expect(lost?.evidence.transactionIds.length).toBe(10);
    for (const id of lost?.evidence.transactionIds ?? []) {
      const payment = await fleet.store.read((r) => r.getPayment(id));
      expect(payment).toMatchObject({ terminalId: 'T0005', reversalReason: 'timeout' });
    }
    const keyed = found('M0001/99', 'operator.keyed_twice');
    // The guard held every second keying (policy confirm) and nobody confirmed them.
    expect(keyed?.evidence.details).toMatchObject({ held: 30, through: 0, confirmed: 0, abandoned: 30 });
    expect(keyed?.cost.duplicatesPrevented).toBeGreaterThan(25);
  });

  it("prices the duplicates at risk under the merchant's fee plan, and a provider's service", () => {
    const lost = found('M0001/T0005', 'terminal.lost_answers');
    // Sales of 1,000 to 1,333 fen at 0.63%: 6 to 8 fen each.
    const perDuplicate = (lost?.cost.feesAtRiskFen ?? 0) / (lost?.cost.duplicatesAtRisk ?? 1);
    expect(perDuplicate).toBeGreaterThanOrEqual(6);
    expect(perDuplicate).toBeLessThanOrEqual(8);
    // M0002 has no plan, and neither the printer nor the network's dropped hours put a fee at risk.
    const issuer = found('issuer', 'provider.timeouts');
    expect(issuer?.service?.availability).toBeLessThan(0.99);
    expect(issuer?.service?.latencyMsP50).toBeGreaterThanOrEqual(80);
    expect(issuer?.service?.latencyMsP95).toBeLessThanOrEqual(440);
  });

  it('does not flag the carrier of a terminal whose own connection loses answers', () => {
    expect(diagnosis.findings.filter((f) => f.subject.id === '4g:China Mobile')).toEqual([]);
  });

  it("diagnoses one merchant's own traffic only, naming none of another merchant's subjects", async () => {
    const own = await readDiagnosis(fleet.store, {
      fromMs: fleet.fromMs,
      toMs: fleet.toMs,
      merchantId: 'M0002',
    });
    expect(own.merchantId).toBe('M0002');
    const ids = own.findings.map((f) => f.subject.id);
    expect(ids.every((id) => !id.startsWith('M0001'))).toBe(true);
    expect(own.subjects.terminal).toBe(6);
  });

  it('reports its progress and prints a report in each language', async () => {
    const seen: number[] = [];
    await readDiagnosis(fleet.store, {
      fromMs: fleet.fromMs,
      toMs: fleet.toMs,
      onProgress: (p) => seen.push(p.merchantsDone),
    });
    expect(seen).toEqual([1, 2, 2]);
    expect(diagnosisText(diagnosis, 'zh-CN')).toContain('机队诊断：重复交易从哪里来');
    expect(diagnosisText(diagnosis, 'en')).toContain(`${diagnosis.findings.length} findings:`);
  });

  it('refuses a reversed period or one longer than 92 days, naming the limit', () => {
    expect(() => checkDiagnosisPeriod(10, 10)).toThrow(
      expect.objectContaining({ code: 'POS_ERR_DIAGNOSIS_INVALID_PERIOD' }),
    );
    expect(() => checkDiagnosisPeriod(0, 93 * 86_400_000)).toThrow(/at most 92 days/);
  });
});
