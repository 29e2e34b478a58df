// Runs simulation shards on worker threads, a bounded number at a time, and gives back their
// results in job order. Each thread takes the next job as soon as it is done with one, so a thread
// loads the simulator's modules once however many jobs it runs (a quarter of a second of CPU each
// time). With one worker they run on this thread instead, one after the other: the results are the
// same, only the wall time differs.
import type { Worker } from 'node:worker_threads';
import { PosError } from '../pos-error.js';
import { startWorker } from '../start-worker.js';
import type { ProtocolTally } from './accounting.js';
import { runShard, type ShardJob } from './run-shard.js';

type WorkerReply = { ok: true; result: ProtocolTally } | { ok: false; message: string };

function failed(job: ShardJob, why: string, cause?: unknown): PosError {
  return new PosError(
    'POS_ERR_SIMULATOR_WORKER_FAILED',
    `simulation shard ${job.protocol}/${job.shard} ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

/** One worker thread, running the jobs it is given one at a time. */
class ShardThread {
  readonly #worker: Worker;
  #current: { job: ShardJob; resolve: (tally: ProtocolTally) => void; reject: (e: unknown) => void } | null =
    null;
  #dead: PosError | null = null;

  constructor() {
    this.#worker = startWorker(import.meta.url, 'shard-worker', null);
    this.#worker.on('message', (reply: WorkerReply) => {
      const current = this.#current;
      this.#current = null;
      if (current === null) return;
      if (reply.ok) current.resolve(reply.result);
      else current.reject(failed(current.job, `failed: ${reply.message}`));
    });
    this.#worker.on('error', (error) => this.#die((job) => failed(job, `failed: ${error.message}`, error)));
    this.#worker.on('exit', (code) => this.#die((job) => failed(job, `exited with ${code}`)));
  }

  #die(why: (job: ShardJob) => PosError): void {
    const current = this.#current;
    this.#current = null;
    if (current === null) return;
    this.#dead = why(current.job);
    current.reject(this.#dead);
  }

  run(job: ShardJob): Promise<ProtocolTally> {
    if (this.#dead !== null) return Promise.reject(failed(job, 'not run: its worker thread died'));
    return new Promise((resolve, reject) => {
      this.#current = { job, resolve, reject };
      this.#worker.postMessage(job);
    });
  }

  /** Lets the thread end once it has run its last job. */
  end(): void {
    if (this.#dead === null) this.#worker.postMessage(null);
  }
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
      const thread = new ShardThread();
      try {
        while (next < jobs.length) {
          const index = next;
          next += 1;
          const job = jobs[index] as ShardJob;
          results[index] = await thread.run(job);
          finished(job);
        }
      } finally {
        thread.end();
      }
    }),
  );
  return results;
}
