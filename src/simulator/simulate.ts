// `posguard simulate`: one seeded day of purchases through terminals, network, host and issuer, run
// twice on the same intents and the same fault schedule, once with the naive protocol and once with
// posguard (guarded), counting exactly what each cardholder paid against what they meant to buy.
//
// The acquirer runs two host processes, each with its own store and the half of the terminals
// (even and odd) it serves, so that a day runs on both cores of the machine. The split is always
// two, whatever the machine, so the same seed gives the same report everywhere; the shards are
// independent and their counts add up.
import { availableParallelism } from 'node:os';
import type { FeePlan } from '../fees/index.js';
import type { FaultRates } from './faults.js';
import { addCounts, type DuplicateCharge, type MethodCounts, type ProtocolResult } from './accounting.js';
import { paymentMethods, type PaymentMethod } from './intents.js';
import { shardCount, type Protocol, type ShardJob } from './run-shard.js';
import { runInWorkers } from './shard-pool.js';
import { feesDifference, priceDuplicates, type FeesDifference, type ProtocolFees } from './sim-fees.js';
import { planFleet, type Culprit } from './fleet.js';
import { defaultWorld } from './world.js';

/** The simulated shop's merchant id, which the planted culprits' ids carry. */
const fleetMerchantId = defaultWorld([]).merchantId;
/** The simulated day in China Standard Time (YYYY-MM-DD): what `diagnose --from --to` takes. */
export const simulatedDay = new Date(defaultWorld([]).dayStartMs + 8 * 3_600_000).toISOString().slice(0, 10);

export { protocols, shardCount, type Protocol, type ShardJob } from './run-shard.js';
export { paymentMethods, type PaymentMethod } from './intents.js';

export interface SimulationOptions {
  readonly intents: number;
  readonly terminals: number;
  readonly seed: number;
  readonly rates: FaultRates;
  readonly protocols: readonly Protocol[];
  /** How purchases are paid (`--methods`): card, QR or both; both when absent. */
  readonly methods?: readonly PaymentMethod[];
  /** Price each protocol's duplicate charges under this plan (`--fees`); `label` names it in the report. */
  readonly fees?: { readonly plan: FeePlan; readonly label: string };
  /** Plant culprits in the fleet (`--culprits`, fleet.ts); the report lists them. */
  readonly culprits?: boolean;
  /** Keep the guarded host's store in this new SQLite file (`--db`). */
  readonly storeFile?: string;
}

/** A protocol's counts, with what its duplicates cost in fees when the run priced them. */
export type ProtocolReport = ProtocolResult & { readonly fees?: ProtocolFees };

export interface SimulationReport {
  readonly seed: number;
  readonly intents: number;
  readonly protocols: Partial<Record<Protocol, ProtocolReport>>;
  /** With `fees`: the plan's label and, when both protocols ran, naive minus guarded. */
  readonly fees?: { readonly plan: string; readonly naiveMinusGuarded?: FeesDifference };
  /** With `culprits`: what was planted, in the diagnosis's names (the truth `--truth` writes). */
  readonly culprits?: readonly Culprit[];
  readonly timing: { readonly wallMs: number; readonly intentsPerSecond: number };
}

/** Two shards' counts added up, totals and per method alike. */
function add(a: ProtocolResult, b: ProtocolResult): ProtocolResult {
  const byMethod: Partial<Record<PaymentMethod, MethodCounts>> = {};
  for (const method of paymentMethods) {
    const x = a.byMethod[method];
    const y = b.byMethod[method];
    if (x === undefined || y === undefined) {
      const one = x ?? y;
      if (one !== undefined) byMethod[method] = one;
      continue;
    }
    byMethod[method] = { ...addCounts(x, y), intents: x.intents + y.intents };
  }
  return { ...addCounts(a, b), byMethod };
}

export async function simulate(
  options: SimulationOptions,
  run: { workers?: number; onShardDone?: (done: number, total: number, job: ShardJob) => void } = {},
): Promise<SimulationReport> {
  const started = performance.now();
  const methods = options.methods ?? paymentMethods;
  const culprits = options.culprits === true;
  const jobs: ShardJob[] = options.protocols.flatMap((protocol) => {
    // A kept store, or a fleet to diagnose, is one host's: the guarded day runs as one process.
    const oneHost = protocol === 'guarded' && (culprits || options.storeFile !== undefined);
    const shards = oneHost ? 1 : Math.min(shardCount, options.terminals);
    return Array.from({ length: shards }, (_, shard) => ({
      protocol,
      shard,
      shards,
      intents: options.intents,
      terminals: options.terminals,
      seed: options.seed,
      rates: options.rates,
      methods,
      culprits,
      ...(protocol === 'guarded' && options.storeFile !== undefined ? { storeFile: options.storeFile } : {}),
    }));
  });
  const workers = run.workers ?? Math.min(shardCount, jobs.length, availableParallelism());
  const results = await runInWorkers(jobs, workers, run.onShardDone);
  const byProtocol: Partial<Record<Protocol, ProtocolReport>> = {};
  // Shards in job order: the same list, so the same fees, for the same seed.
  const duplicates: Partial<Record<Protocol, DuplicateCharge[]>> = {};
  jobs.forEach((job, index) => {
    const tally = results[index];
    if (tally === undefined) return;
    const sum = byProtocol[job.protocol];
    byProtocol[job.protocol] = sum === undefined ? tally.counts : add(sum, tally.counts);
    (duplicates[job.protocol] ??= []).push(...tally.duplicates);
  });
  const fees = options.fees === undefined ? undefined : priceProtocols(byProtocol, duplicates, options.fees);
  const wallMs = Math.round(performance.now() - started);
  const planted = culprits
    ? planFleet({ seed: options.seed, terminals: options.terminals, methods, merchantId: fleetMerchantId })
        .culprits
    : undefined;
  return {
    seed: options.seed,
    intents: options.intents,
    protocols: byProtocol,
    ...(fees === undefined ? {} : { fees }),
    ...(planted === undefined ? {} : { culprits: planted }),
    timing: { wallMs, intentsPerSecond: Math.round((options.intents * 1000) / Math.max(1, wallMs)) },
  };
}

/** Adds each protocol's `fees` (in place, on the report being built) and gives the run's `fees`. */
function priceProtocols(
  byProtocol: Partial<Record<Protocol, ProtocolReport>>,
  duplicates: Partial<Record<Protocol, DuplicateCharge[]>>,
  fees: NonNullable<SimulationOptions['fees']>,
): NonNullable<SimulationReport['fees']> {
  for (const protocol of Object.keys(byProtocol) as Protocol[]) {
    const counts = byProtocol[protocol];
    if (counts === undefined) continue;
    byProtocol[protocol] = {
      ...counts,
      fees: priceDuplicates({ duplicates: duplicates[protocol] ?? [], plan: fees.plan }),
    };
  }
  const naive = byProtocol.naive?.fees;
  const guarded = byProtocol.guarded?.fees;
  return {
    plan: fees.label,
    ...(naive === undefined || guarded === undefined
      ? {}
      : { naiveMinusGuarded: feesDifference(naive, guarded) }),
  };
}

/** The flags that make a run: what `replayCommand` needs to print the run again. */
export interface RunFlags {
  readonly intents: number;
  readonly terminals: number;
  readonly seed: number;
  readonly faults: string;
  readonly overrides: readonly string[];
  /** `--methods` as given; left out of the command when absent (both, the default). */
  readonly methods?: readonly PaymentMethod[];
  /** `--culprits`: the fleet with planted culprits. */
  readonly culprits?: boolean;
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
    ...(flags.methods === undefined ? [] : [`--methods ${flags.methods.join(',')}`]),
    ...(flags.culprits === true ? ['--culprits'] : []),
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
