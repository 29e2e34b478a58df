// Runs simulation shards on worker threads, a bounded number at a time, and gives back their
// results in job order. With one worker they run on this thread instead, one after the other: the
// results are the same, only the wall time differs.
import { PosError } from '../pos-error.js';
import { startWorker } from '../start-worker.js';
import type { ProtocolTally } from './accounting.js';
import { runShard, type ShardJob } from './run-shard.js';

type WorkerReply = { ok: true; result: ProtocolTally } | { ok: false; message: string };

function inWorker(job: ShardJob): Promise<ProtocolTally> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, 'shard-worker', job);
    let settled = false;
    worker.once('message', (reply: WorkerReply) => {
      settled = true;
      if (reply.ok) resolve(reply.result);
      else
        reject(
          new PosError(
            'POS_ERR_SIMULATOR_WORKER_FAILED',
            `simulation shard ${job.protocol}/${job.shard} failed: ${reply.message}`,
          ),
        );
    });
    worker.once('error', (error) => {
      settled = true;
      reject(
        new PosError(
          'POS_ERR_SIMULATOR_WORKER_FAILED',
          `simulation shard ${job.protocol}/${job.shard} failed: ${error.message}`,
          { cause: error },
        ),
      );
    });
    worker.once('exit', (code) => {
      if (!settled)
        reject(
          new PosError(
            'POS_ERR_SIMULATOR_WORKER_FAILED',
            `simulation shard ${job.protocol}/${job.shard} exited with ${code}`,
          ),
        );
    });
  });
}

export async function runInWorkers(
  jobs: readonly ShardJob[],
  workers: number,
  onDone?: (done: number, total: number, job: ShardJob) => void,
): Promise<ProtocolTally[]> {
  const results: ProtocolTally[] = new Array<ProtocolTally>(jobs.length);
  let done = 0;
  const finished = (job: ShardJob): void => onDone?.((done += 1), jobs.length, job);
  if (workers <= 1) {
    for (const [index, job] of jobs.entries()) {
      results[index] = await runShard(job);
      finished(job);
    }
    return results;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, jobs.length) }, async () => {
      while (next < jobs.length) {
        const index = next;
        next += 1;
        const job = jobs[index] as ShardJob;
        results[index] = await inWorker(job);
        finished(job);
      }
    }),
  );
  return results;
}
