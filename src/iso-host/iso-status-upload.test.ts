// The ISO 8583 status upload (issue 14): an 0820 with 60.3 = 362 and the report in field 62 as TLV,
// MACed. A MACed report is stored and answered 0830 00, signed; a repeat is answered 00 again and
// another report under its id 94; a report without a MAC, with a wrong one, naming another
// merchant's terminal, or MACed under another terminal's key is refused and nothing is stored;
// bad reports and bad TLV are answered 30, with the field in the log line.
import { describe, expect, it } from 'vitest';
import { Secret } from '../cards/secret.js';
import { chinaIsoTime, type TelemetryReportJson } from '../diagnostics/telemetry.js';
import { reportJson, t0 } from '../diagnostics/test-support/reports.js';
import {
  buildRequest,
  buildStatusReport,
  keyFromHex,
  openSignInKeys,
  readStatusReport,
  verifyFrameMac,
  type IsoMessage,
} from '../iso8583/index.js';
import { addMerchant, addTerminal } from '../merchants/merchant-admin.js';
import { sealKey } from '../merchants/key-vault.js';
import { merchantId, terminalId } from '../payments/test-support/engine-harness.js';
import { SeededRandom } from '../random/random.js';
import { signInRequest, statusUploadRequest } from '../terminal/terminal-messages.js';
import {
  identity,
  makeIsoHarness,
  terminalKeyKey,
  tmkHex,
  type IsoHarness,
} from './test-support/iso-harness.js';
import { keyContext } from './terminal-session.js';

const batchNo = '000001';

const upload = (stan: number, report: Record<string, unknown> = reportJson(), who = identity): IsoMessage =>
  statusUploadRequest({ identity: who, stan, batchNo, report: report as unknown as TelemetryReportJson });

const storedReports = (h: IsoHarness) =>
  h.store.read((r) => r.listTelemetryReports({ fromMs: 0, toMs: t0 + 86_400_000, limit: 100 }));

describe('the status upload (0820, 60.3 = 362)', () => {
  it('stores a MACed report and answers 0830 00, signed; a repeat again 00, another report under its id 94', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const { answer, frame } = await h.send(upload(2), macKey);
    expect([answer.mti, answer.fields['39']]).toEqual(['0830', '00']);
    expect(verifyFrameMac(frame, macKey)).toBe(true);
    const [kept] = await storedReports(h);
    expect(kept).toMatchObject({ merchantId, terminalId, channel: 'iso' });
    expect(kept?.report).toMatchObject({
      reportId: 'T0001-0001',
      at: t0,
      readerErrors: 1,
      doubleReadsSuppressed: 2,
      networkType: '4g',
      carrier: 'China Mobile',
      signalDbm: -85,
      batteryPercent: 76,
    });
    // The same report in a new message: accepted again, nothing added.
    expect((await h.send(upload(3), macKey)).answer.fields['39']).toBe('00');
    const changed = await h.send(upload(4, reportJson({ crashes: 9 })), macKey);
    expect(changed.answer.fields['39']).toBe('94');
    expect(verifyFrameMac(changed.frame, macKey)).toBe(true);
    expect(await storedReports(h)).toHaveLength(1);
  });

  it('refuses a status upload without a MAC or with a wrong one (A0, unsigned), storing nothing', async () => {
    const h = await makeIsoHarness();
    await h.signIn();
    const plain = await h.send(upload(2));
    expect(plain.answer.fields['39']).toBe('A0');
    const forged = await h.send(upload(3), new Secret(Buffer.alloc(16, 7), 'not the key'));
    expect(forged.answer.fields['39']).toBe('A0');
    expect(forged.answer.fields['64']).toBeUndefined();
    expect(await storedReports(h)).toEqual([]);
  });

  it("refuses a status upload naming another merchant's terminal, or MACed under another terminal's key", async () => {
    const h = await makeIsoHarness();
    const ourKey = await h.signIn();
    // Merchant M0002 with terminal T0002, signed in under its own master key.
    const random = new SeededRandom(99);
    await addMerchant(h.store, { id: 'M0002', name: 'Other shop', apiKey: 'pgk_other' }, { random, now: t0 });
    const other = { merchantId: 'M0002', terminalId: 'T0002' };
    await addTerminal(
      h.store,
      {
        ...other,
        tmkEncrypted: sealKey(keyFromHex(tmkHex, 'TMK'), terminalKeyKey, keyContext(other, 'tmk'), (n) =>
          random.bytes(n),
        ),
      },
      { now: t0 },
    );
    const theirs = { ...identity, ...other };
    const signedIn = await h.send(
      signInRequest({ identity: theirs, stan: 1, batchNo, mode: '003', operatorId: '01' }),
    );
    const theirKey = openSignInKeys({
      mode: '003',
      tmk: keyFromHex(tmkHex, 'TMK'),
      field62: signedIn.answer.fields['62'] ?? '',
    }).macKey;
    // Our merchant id with their terminal: no such terminal of ours (97).
    const crossed = await h.send(upload(2, reportJson(), { ...identity, terminalId: 'T0002' }), ourKey);
    expect(crossed.answer.fields['39']).toBe('97');
    // Their merchant and terminal, MACed with our key: A0.
    const borrowed = await h.send(upload(3, reportJson(), theirs), ourKey);
    expect(borrowed.answer.fields['39']).toBe('A0');
    expect(await storedReports(h)).toEqual([]);
    // Their own key works for their own terminal, and the report is theirs.
    expect((await h.send(upload(4, reportJson(), theirs), theirKey)).answer.fields['39']).toBe('00');
    expect((await storedReports(h)).map((r) => [r.merchantId, r.terminalId])).toEqual([['M0002', 'T0002']]);
  });

  it.each([
    ['a value out of range', reportJson({ batteryPercent: 250 }), 'batteryPercent: expected'],
    ['a time ahead of the host', reportJson({}, t0 + 3_600_000), 'at: expected'],
    ['a missing count', reportJson({ reboots: undefined }), 'reboots: expected'],
    ['a count that is not a number', reportJson({ crashes: 'many' }), 'crashes: expected'],
  ])(
    'answers 30 to a report with %s (signed), naming it in the log, storing nothing',
    async (_what, report, field) => {
      const h = await makeIsoHarness();
      const macKey = await h.signIn();
      const { answer, frame } = await h.send(upload(2, report), macKey);
      expect(answer.fields['39']).toBe('30');
      expect(verifyFrameMac(frame, macKey)).toBe(true);
      expect(h.logText()).toContain(field);
      expect(await storedReports(h)).toEqual([]);
    },
  );

  it('answers 30 to TLV it cannot read, a missing field 62 and a field the upload does not use', async () => {
    const h = await makeIsoHarness();
    const macKey = await h.signIn();
    const good = buildStatusReport(reportJson() as unknown as TelemetryReportJson);
    const common = {
      tpdu: identity.tpdu,
      header: identity.header,
      batchNumber: 1,
      terminalId: 'T0001   ',
      merchantId: 'M0001'.padEnd(15),
    };
    const cases: [Record<string, string>, string][] = [
      [{ '62': `${good}9902AB` }, 'tag 0x99'],
      [{ '62': `${good}0103414243` }, 'tag 0x01 (reportId): expected once'],
      [{ '62': `${good}3005` }, 'the field ends'],
      [{ '62': '020141' }, 'YYYYMMDDhhmmss'],
      [{}, 'field 62: expected the status report'],
      [{ '62': good, '63': 'CUP' }, 'field 63'],
    ];
    let stan = 2;
    for (const [fields, logged] of cases) {
      const message = buildRequest({ ...common, stan, type: 'status-upload', fields });
      stan += 1;
      const { answer } = await h.send(message, macKey);
      expect([logged, answer.fields['39']]).toEqual([logged, '30']);
      expect(h.logText()).toContain(logged);
    }
    expect(await storedReports(h)).toEqual([]);
  });
});

describe('field 62 of the status upload', () => {
  it('carries a report and gives back its JSON form, times in China Standard Time to the second', () => {
    const json = reportJson({}, t0 + 1234) as unknown as TelemetryReportJson;
    const read = readStatusReport(buildStatusReport(json));
    expect(read.problems).toEqual([]);
    expect(read.report).toEqual({ ...json, at: chinaIsoTime(t0 + 1000).replace('.000', '') });
    // Optional values absent: no entry for them.
    const wired = reportJson({ network: { type: 'ethernet' }, batteryPercent: undefined });
    const back = readStatusReport(buildStatusReport(wired as unknown as TelemetryReportJson)).report;
    expect([back['network'], 'batteryPercent' in back]).toEqual([{ type: 'ethernet' }, false]);
  });

  it('refuses to build a value that cannot travel', () => {
    expect(() =>
      buildStatusReport(reportJson({ softwareVersion: '版本 3' }) as unknown as TelemetryReportJson),
    ).toThrow(/softwareVersion/);
    expect(() => buildStatusReport(reportJson({ at: 'soon' }) as unknown as TelemetryReportJson)).toThrow(
      /at/,
    );
  });
});
