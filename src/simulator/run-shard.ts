// One protocol on one shard of a simulated day: the unit of work the shard pool hands to a worker
// thread (shard-worker.ts) or runs on this thread. It sits apart from simulate.ts so that the pool,
// the worker and the day's driver all import it and none of them imports another in a loop.
import { VirtualClock } from '../clock/virtual-clock.js';
import type { FaultRates } from './faults.js';
import type { ProtocolTally } from './accounting.js';
import { generateIntents, type PaymentMethod } from './intents.js';
import { runNaive } from './naive/run-naive.js';
import { Schedule } from './schedule.js';
import { SimContext } from './sim-context.js';
import { defaultWorld } from './world.js';
import { planFleet } from './fleet.js';
import { runGuarded } from './guarded/run-guarded.js';

export const protocols = ['naive', 'guarded'] as const;
export type Protocol = (typeof protocols)[number];

/** Host processes (and halves of the terminals) a day is split into: fixed, for repeatable reports. */
export const shardCount = 2;

export interface ShardJob {
  readonly protocol: Protocol;
  readonly shard: number;
  readonly intents: number;
  readonly terminals: number;
  readonly seed: number;
  readonly rates: FaultRates;
  /** How the day's purchases are paid: card, QR (a wallet's payment code), or both. */
  readonly methods: readonly PaymentMethod[];
  /** Shards the day is split into (default `shardCount`): a kept store is one host's, so one. */
  readonly shards?: number;
  /** Plant culprits in the fleet (fleet.ts): every shard draws the same plan from the seed. */
  readonly culprits?: boolean;
  /** Guarded only: the new file the host's store is written to at day end. */
  readonly storeFile?: string;
}

/** One protocol on one shard: its terminals, its customers, its host; its counts and duplicate charges. */
export async function runShard(job: ShardJob): Promise<ProtocolTally> {
  const shards = Math.min(job.shards ?? shardCount, job.terminals);
  const terminals = Array.from({ length: job.terminals }, (_, t) => t).filter(
    (t) => t % shards === job.shard,
  );
  const world = defaultWorld(terminals);
  const intents = generateIntents({
    count: job.intents,
    terminals: job.terminals,
    seed: job.seed,
    methods: job.methods,
  }).filter((intent) => intent.terminal % shards === job.shard);
  const fleet =
    job.culprits === true
      ? planFleet({
          seed: job.seed,
          terminals: job.terminals,
          methods: job.methods,
          merchantId: world.merchantId,
        })
      : undefined;
  const sim = new SimContext(new VirtualClock(world.dayStartMs), new Schedule(job.seed), job.rates, fleet);
  return job.protocol === 'naive'
    ? runNaive(sim, intents, world, job.methods)
    : runGuarded(sim, intents, world, job.methods, job.storeFile);
}
