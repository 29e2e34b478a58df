// A worker thread's side of the simulation shards: runs each job the pool posts, one at a time, and
// posts each result (or what went wrong) back; a null job means no more, and the thread ends. One
// thread serves several jobs (a day's naive shard, then its guarded one) so that each pays for
// loading the modules once.
import { parentPort } from 'node:worker_threads';
import { runShard, type ShardJob } from './run-shard.js';

const port = parentPort;
port?.on('message', (job: ShardJob | null) => {
  if (job === null) {
    port.close();
    return;
  }
  runShard(job).then(
    (result) => port.postMessage({ ok: true, result }),
    (error: unknown) =>
      port.postMessage({
        ok: false,
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
