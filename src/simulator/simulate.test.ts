import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/test-support/run-cli.js';
import { causes } from '../reconciliation/index.js';
import { readFeePlanFile, type FeePlan } from '../fees/index.js';
import { faultRates, type FaultSelection } from './faults.js';
import { guardedBreaches, replayCommand, simulate, type SimulationReport } from './simulate.js';

const terminals = 20;
const replay = (intents: number, seed: number, faults: string, overrides: string[] = []): string =>
  replayCommand({ intents, terminals, seed, faults, overrides });

async function day(
  intents: number,
  seed: number,
  faults: FaultSelection,
  overrides: string[] = [],
  fees?: Parameters<typeof simulate>[0]['fees'],
): Promise<SimulationReport> {
  return simulate(
    {
      intents,
      terminals,
      seed,
      rates: faultRates(faults, overrides),
      protocols: ['naive', 'guarded'],
      ...(fees === undefined ? {} : { fees }),
    },
    { workers: 1 },
  );
}

/** A plan pricing every card kind and QR codes alike, at `rate`. */
const samePlanForAll = (rate: { ratePpm: number; minimumFen?: number }, belowCost: boolean): FeePlan =>
  readFeePlanFile(
    JSON.stringify({
      format: 'posguard-fee-plan/1',
      merchantId: 'ANY',
      currency: 'CNY',
      devicePriceFen: 0,
      activation: { feeFen: 0 },
      versions: [
        {
          version: 1,
          effectiveFrom: '2026-01-01',
          changedBy: 'ops:test',
          changedAt: '2025-12-01T00:00:00+08:00',
          belowCost,
          rates: { debit: rate, credit: rate, qr: rate, foreign: rate },
        },
      ],
    }),
  );
/** Every sale pays exactly 1.00 CNY: a zero rate raised to its minimum. */
const oneYuanEach = samePlanForAll({ ratePpm: 0, minimumFen: 100 }, true);

describe('the fault simulator', () => {
  // The seeds CI runs on every build; a failure names the command that replays it.
  for (const seed of [1, 2, 3]) {
    it(`with every fault on (seed ${seed}), charges nobody twice under posguard while the naive POS does, under every cause`, async () => {
      const report = await day(2500, seed, 'all');
      const { naive, guarded } = report.protocols;
      const command = replay(2500, seed, 'all');
      expect(guarded?.duplicateCharges, command).toBe(0);
      expect(guarded?.lostSales, command).toBe(0);
      expect(guarded?.falseBlocks, command).toBe(0);
      expect(guarded?.reversals, command).toBeGreaterThan(0);
      expect(guarded?.operatorPrompts, command).toBeGreaterThan(0);
      for (const cause of causes) expect(naive?.byCause[cause], `${cause}: ${command}`).toBeGreaterThan(0);
      expect(naive?.duplicateCharges).toBe(Object.values(naive?.byCause ?? {}).reduce((a, b) => a + b, 0));
    });
  }

  it('gives a byte-identical report for the same seed and options, timing aside, and another for another seed', async () => {
    const strip = (r: SimulationReport): string => JSON.stringify({ ...r, timing: null });
    const a = await day(600, 11, 'all');
    const b = await day(600, 11, 'all');
    const c = await day(600, 12, 'all');
    expect(strip(a)).toBe(strip(b));
    expect(strip(a)).not.toBe(strip(c));
  });

  it('finds no duplicate in either protocol when no fault is on', async () => {
    const report = await day(800, 4, 'none');
    expect(report.protocols.naive?.duplicateCharges).toBe(0);
    expect(report.protocols.guarded?.duplicateCharges).toBe(0);
    expect(report.protocols.guarded?.reversals).toBe(0);
  });

  it('attributes the naive duplicates to the one cause whose faults are on', async () => {
    for (const only of ['network', 'hardware'] as const) {
      const report = await day(1200, 5, only);
      const naive = report.protocols.naive;
      expect(naive?.byCause[only], only).toBeGreaterThan(0);
      expect(naive?.duplicateCharges, only).toBe(naive?.byCause[only]);
      expect(report.protocols.guarded?.duplicateCharges, only).toBe(0);
    }
  });

  it('reconciles away the charges an issuer posts twice, and counts them before it did', async () => {
    const report = await day(1500, 6, 'none', ['issuer_double_post=0.05']);
    const guarded = report.protocols.guarded;
    expect(guarded?.duplicateChargesBeforeReconciliation).toBeGreaterThan(0);
    expect(guarded?.duplicateCharges).toBe(0);
    expect(report.protocols.naive?.byCause.third_party).toBeGreaterThan(0);
  });
});

describe('the fees of a simulated day (--fees)', () => {
  it('charges 1.00 CNY on each duplicate under a 1.00 CNY plan: kept under naive, all returned under guarded', async () => {
    const plain = await day(600, 21, 'all');
    const priced = await day(600, 21, 'all', [], { plan: oneYuanEach, label: 'one-yuan.json' });
    const { naive, guarded } = priced.protocols;
    // Pricing changes nothing else in the report.
    const counts = (r: SimulationReport): string =>
      JSON.stringify(
        Object.fromEntries(Object.entries(r.protocols).map(([p, c]) => [p, { ...c, fees: undefined }])),
      );
    expect(counts(priced)).toBe(counts(plain));
    expect(plain).not.toHaveProperty('fees');
    expect(plain.protocols.naive).not.toHaveProperty('fees');
    const n = naive?.duplicateCharges ?? 0;
    const g = guarded?.duplicateChargesBeforeReconciliation ?? 0;
    expect(n).toBeGreaterThan(0);
    expect(g).toBeGreaterThan(0);
    expect(naive?.fees).toMatchObject({
      duplicateCharges: n,
      feesChargedFen: 100 * n,
      refundedCount: 0,
      feesReturnedFen: 0,
      feesNetFen: 100 * n,
    });
    expect(guarded?.fees).toMatchObject({
      duplicateCharges: g,
      feesChargedFen: 100 * g,
      refundedCount: g,
      feesReturnedFen: 100 * g,
      feesNetFen: 0,
    });
    expect(Object.keys(naive?.fees?.byMerchant ?? {})).toEqual(['898310048990001']);
    expect(priced.fees).toEqual({
      plan: 'one-yuan.json',
      naiveMinusGuarded: {
        duplicateCharges: n - g,
        duplicateChargesFen:
          (naive?.fees?.duplicateChargesFen ?? 0) - (guarded?.fees?.duplicateChargesFen ?? 0),
        feesChargedFen: 100 * (n - g),
        feesNetFen: 100 * n,
      },
    });
  });

  it('prices the amounts carried: 0.60% of them, within half a fen a charge', async () => {
    const report = await day(600, 21, 'none', ['issuer_double_post=0.05'], {
      plan: samePlanForAll({ ratePpm: 6000 }, false),
      label: 'flat',
    });
    const fees = report.protocols.naive?.fees;
    // Only the issuer double posts: each of its second postings is a duplicate, at its sale's amount.
    expect(fees?.duplicateCharges).toBe(report.protocols.naive?.byCause.third_party);
    const exact = ((fees?.duplicateChargesFen ?? 0) * 6000) / 1_000_000;
    expect(Math.abs((fees?.feesChargedFen ?? 0) - exact)).toBeLessThanOrEqual(
      (fees?.duplicateCharges ?? 0) / 2,
    );
    expect(fees?.duplicateChargesFen).toBeGreaterThan(0);
  });
});

describe('posguard simulate', () => {
  it('prints the JSON report with both protocols and timing', async () => {
    const run = await runCli(['simulate', '--intents', '300', '--terminals', '6', '--seed', '9', '--json']);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['intents', 'protocols', 'seed', 'timing']);
    expect(report).toMatchObject({
      seed: 9,
      intents: 300,
      timing: { wallMs: expect.any(Number) as unknown },
    });
    const guarded = (report['protocols'] as Record<string, Record<string, unknown>>)['guarded'];
    expect(Object.keys(guarded ?? {}).sort()).toEqual([
      'byCause',
      'byMethod',
      'duplicateCharges',
      'duplicateChargesBeforeReconciliation',
      'falseBlocks',
      'lostSales',
      'operatorPrompts',
      'reversals',
    ]);
  });

  it('replays a day exactly from the command it prints for a failing seed', async () => {
    const report = await day(400, 13, 'network', ['answer_lost=0.05']);
    const command = replay(400, 13, 'network', ['answer_lost=0.05']);
    expect(command).toBe(
      'npx posguard simulate --intents 400 --terminals 20 --seed 13 --faults network --fault answer_lost=0.05 --protocol guarded --json',
    );
    const run = await runCli(command.split(' ').slice(2));
    expect(run.code, run.stderr).toBe(0);
    const replayed = JSON.parse(run.stdout) as SimulationReport;
    expect(replayed.protocols.guarded).toEqual(report.protocols.guarded);
    expect(replayed.protocols.naive).toBeUndefined();
  });

  it('names every broken promise of a guarded run, and none of a clean one', () => {
    const clean = { duplicateCharges: 0, lostSales: 0, falseBlocks: 0 };
    const report = (guarded: typeof clean): SimulationReport =>
      ({ seed: 1, intents: 1, protocols: { guarded }, timing: { wallMs: 1, intentsPerSecond: 1 } }) as never;
    expect(guardedBreaches(report(clean))).toEqual([]);
    expect(guardedBreaches(report({ duplicateCharges: 2, lostSales: 0, falseBlocks: 1 }))).toEqual([
      '2 duplicate charges',
      '1 false blocks',
    ]);
  });

  it('prints a table, runs one protocol when asked, and refuses bad flags by name', async () => {
    const table = await runCli(['simulate', '--intents', '200', '--terminals', '4', '--protocol', 'naive']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/duplicate charges +\d+\n/);
    expect(table.stdout).not.toContain('guarded');
    const faults = await runCli(['simulate', '--faults', 'cosmic_rays']);
    expect(faults.stderr).toMatch(
      /--faults expected one of all, none, software, hardware, operator, network, third_party/,
    );
    const fault = await runCli(['simulate', '--fault', 'answer_lost=2']);
    expect(fault.stderr).toMatch(
      /POS_ERR_CLI_BAD_FLAG: simulate: --fault expected NAME=RATE .* got "answer_lost=2"/,
    );
    const protocol = await runCli(['simulate', '--protocol', 'careful']);
    expect(protocol.stderr).toMatch(/--protocol expected naive, guarded or both/);
    // A bad flag is exit status 2, never the 1 that says posguard failed a seed.
    expect([faults.code, fault.code, protocol.code]).toEqual([2, 2, 2]);
  });
});
