import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/test-support/run-cli.js';
import { causes } from '../reconciliation/index.js';
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
): Promise<SimulationReport> {
  return simulate(
    { intents, terminals, seed, rates: faultRates(faults, overrides), protocols: ['naive', 'guarded'] },
    { workers: 1 },
  );
}

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
