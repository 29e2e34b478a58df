// A worker thread's side of a simulation shard: runs the one job it was started with and posts the
// result (or what went wrong) back.
import { parentPort, workerData } from 'node:worker_threads';
import { runShard, type ShardJob } from './run-shard.js';

const job = workerData as ShardJob;
runShard(job).then(
  (result) => parentPort?.postMessage({ ok: true, result }),
  (error: unknown) =>
    parentPort?.postMessage({
      ok: false,
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
);
