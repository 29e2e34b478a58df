// `posguard simulate`: one seeded day of purchases through terminals, network, host and issuer, run
// twice on the same intents and the same fault schedule, once with the naive protocol and once with
// posguard (guarded), counting exactly what each cardholder paid against what they meant to buy.
//
// The acquirer runs two host processes, each with its own store and the half of the terminals
// (even and odd) it serves, so that a day runs on both cores of the machine. The split is always
// two, whatever the machine, so the same seed gives the same report everywhere; the shards are
// independent and their counts add up.
import { availableParallelism } from 'node:os';
import { causes } from '../reconciliation/index.js';
import { faultNames, type FaultRates } from './faults.js';
import type { ProtocolResult } from './accounting.js';
import { protocols, shardCount, type Protocol, type ShardJob } from './run-shard.js';
import { runInWorkers } from './shard-pool.js';

export { protocols, shardCount, type Protocol, type ShardJob } from './run-shard.js';

export interface SimulationOptions {
  readonly intents: number;
  readonly terminals: number;
  readonly seed: number;
  readonly rates: FaultRates;
  readonly protocols: readonly Protocol[];
}

export interface SimulationReport {
  readonly seed: number;
  readonly intents: number;
  readonly protocols: Partial<Record<Protocol, ProtocolResult>>;
  readonly timing: { readonly wallMs: number; readonly intentsPerSecond: number };
}

function add(a: ProtocolResult, b: ProtocolResult): ProtocolResult {
  return {
    duplicateCharges: a.duplicateCharges + b.duplicateCharges,
    duplicateChargesBeforeReconciliation:
      a.duplicateChargesBeforeReconciliation + b.duplicateChargesBeforeReconciliation,
    lostSales: a.lostSales + b.lostSales,
    falseBlocks: a.falseBlocks + b.falseBlocks,
    operatorPrompts: a.operatorPrompts + b.operatorPrompts,
    reversals: a.reversals + b.reversals,
    byCause: Object.fromEntries(
      causes.map((c) => [c, a.byCause[c] + b.byCause[c]]),
    ) as ProtocolResult['byCause'],
  };
}

export async function simulate(
  options: SimulationOptions,
  run: { workers?: number; onShardDone?: (done: number, total: number, job: ShardJob) => void } = {},
): Promise<SimulationReport> {
  const started = performance.now();
  const shards = Math.min(shardCount, options.terminals);
  const jobs: ShardJob[] = options.protocols.flatMap((protocol) =>
    Array.from({ length: shards }, (_, shard) => ({ protocol, shard, ...options })),
  );
  const workers = run.workers ?? Math.min(shards, availableParallelism());
  const results = await runInWorkers(jobs, workers, run.onShardDone);
  const byProtocol: Partial<Record<Protocol, ProtocolResult>> = {};
  jobs.forEach((job, index) => {
    const result = results[index] as ProtocolResult;
    const sum = byProtocol[job.protocol];
    byProtocol[job.protocol] = sum === undefined ? result : add(sum, result);
  });
  const wallMs = Math.round(performance.now() - started);
  return {
    seed: options.seed,
    intents: options.intents,
    protocols: byProtocol,
    timing: { wallMs, intentsPerSecond: Math.round((options.intents * 1000) / Math.max(1, wallMs)) },
  };
}

/** The flags that make a run: what `replayCommand` needs to print the run again. */
export interface RunFlags {
  readonly intents: number;
  readonly terminals: number;
  readonly seed: number;
  readonly faults: string;
  readonly overrides: readonly string[];
}

/** The exact command that runs the same day again. */
export function replayCommand(flags: RunFlags): string {
  return [
    'npx posguard simulate',
    `--intents ${flags.intents}`,
    `--terminals ${flags.terminals}`,
    `--seed ${flags.seed}`,
    `--faults ${flags.faults}`,
    ...flags.overrides.map((o) => `--fault ${o}`),
    '--protocol guarded --json',
  ].join(' ');
}

/** What went wrong under posguard in a run, one phrase per broken promise; empty when none. */
export function guardedBreaches(report: SimulationReport): string[] {
  const guarded = report.protocols.guarded;
  if (guarded === undefined) return [];
  return [
    guarded.duplicateCharges > 0 ? `${guarded.duplicateCharges} duplicate charges` : '',
    guarded.lostSales > 0 ? `${guarded.lostSales} lost sales` : '',
    guarded.falseBlocks > 0 ? `${guarded.falseBlocks} false blocks` : '',
  ].filter((phrase) => phrase !== '');
}

const rows: ReadonlyArray<[string, (r: ProtocolResult) => number]> = [
  ['duplicate charges', (r) => r.duplicateCharges],
  ['  before reconciliation', (r) => r.duplicateChargesBeforeReconciliation],
  ...causes.map((c): [string, (r: ProtocolResult) => number] => [
    `  caused by ${c.replace('_', ' ')}`,
    (r) => r.byCause[c],
  ]),
  ['lost sales', (r) => r.lostSales],
  ['false blocks', (r) => r.falseBlocks],
  ['operator prompts', (r) => r.operatorPrompts],
  ['reversals', (r) => r.reversals],
];

/** The report as a table for people. */
export function formatReport(report: SimulationReport, rates: FaultRates): string {
  const shown = protocols.filter((p) => report.protocols[p] !== undefined);
  const lines = [
    `seed ${report.seed}, ${report.intents} intents, faults on: ${faultNames.filter((n) => rates[n] > 0).join(', ') || 'none'}`,
    '',
    `${''.padEnd(28)}${shown.map((p) => p.padStart(10)).join('')}`,
    ...rows.map(
      ([label, pick]) =>
        `${label.padEnd(28)}${shown.map((p) => String(pick(report.protocols[p] as ProtocolResult)).padStart(10)).join('')}`,
    ),
    '',
    `${report.timing.wallMs} ms, ${report.timing.intentsPerSecond} intents/s`,
    '',
  ];
  return lines.join('\n');
}
