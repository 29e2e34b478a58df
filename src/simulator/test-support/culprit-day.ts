// One simulated day of a fleet with planted culprits, diagnosed (issue 14): the guarded host's day
// with `--culprits`, its store kept in a file, then `posguard diagnose`'s reading of that file at
// the default significance. What the culprit test scores, one seed at a time, on a worker thread.
import { join } from 'node:path';
import { readDiagnosis } from '../../diagnostics/read-diagnosis.js';
import { openSqliteStore } from '../../store/sqlite/open-sqlite-store.js';
import type { Named } from '../culprit-score.js';
import { faultRates } from '../faults.js';
import { planFleet, type Culprit, type FleetSubject } from '../fleet.js';
import type { PaymentMethod } from '../intents.js';
import { runShard } from '../run-shard.js';
import { defaultWorld } from '../world.js';

export interface CulpritDayJob {
  readonly seed: number;
  readonly intents: number;
  readonly terminals: number;
  readonly methods: readonly PaymentMethod[];
  /** A directory for the day's store file. */
  readonly dir: string;
}

export interface CulpritDay {
  readonly seed: number;
  readonly culprits: readonly Culprit[];
  readonly subjects: readonly FleetSubject[];
  readonly named: readonly (Named & { readonly measure: string })[];
  /** posguard's promise under the culprits: none of these may happen. */
  readonly duplicateCharges: number;
  readonly lostSales: number;
  readonly wallMs: number;
}

const hourMs = 3_600_000;

export async function culpritDay(job: CulpritDayJob): Promise<CulpritDay> {
  const started = performance.now();
  const storeFile = join(job.dir, `seed-${job.seed}.db`);
  const tally = await runShard({
    protocol: 'guarded',
    shard: 0,
    shards: 1,
    intents: job.intents,
    terminals: job.terminals,
    seed: job.seed,
    rates: faultRates('all'),
    methods: job.methods,
    culprits: true,
    storeFile,
  });
  const world = defaultWorld([]);
  const store = await openSqliteStore(storeFile, { existing: true });
  // The day's date in China Standard Time, as `diagnose --from DAY --to DAY` reads it.
  const fromMs = world.dayStartMs - 8 * hourMs;
  const diagnosis = await readDiagnosis(store, { fromMs, toMs: fromMs + 24 * hourMs }).finally(() =>
    store.close(),
  );
  const plan = planFleet({ ...job, merchantId: world.merchantId });
  return {
    seed: job.seed,
    culprits: plan.culprits,
    subjects: plan.subjects,
    named: diagnosis.findings.map((f) => ({
      subjectKind: f.subject.kind,
      subjectId: f.subject.id,
      cause: f.cause,
      measure: f.measure,
    })),
    duplicateCharges: tally.counts.duplicateCharges,
    lostSales: tally.counts.lostSales,
    wallMs: Math.round(performance.now() - started),
  };
}
