// The SQLite checkpointer's thread: its own connection to the store's file copies the WAL back into
// the database (a PASSIVE checkpoint: it never waits for the host's writer, nor makes it wait), at
// most once per interval while the host keeps committing. A checkpoint syncs the WAL before and
// the database after, so that work and its two fsyncs stay off the host's event loop.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '../../assert.js';

/** What the driver starts the thread with. */
export interface CheckpointJob {
  readonly path: string;
  readonly intervalMs: number;
}

/** From the driver: it committed (a checkpoint is due), or it is closing. */
export type CheckpointRequest = 'committed' | 'close';

/** To the driver: a checkpoint failed; the driver's own connection takes the work back. */
export interface CheckpointFailure {
  readonly failed: string;
}

const port = parentPort;
assert(port !== null, 'sqlite-checkpoint-worker.ts runs as a worker thread');
const job = workerData as CheckpointJob;
const db = new Database(job.path, { timeout: 5000 });
// NORMAL (and FULL) sync the WAL before a checkpoint and the database after it.
db.pragma('synchronous = NORMAL');
let due = false;
let timer: NodeJS.Timeout | null = null;

function checkpoint(): void {
  timer = null;
  if (!due) return;
  due = false;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    port!.postMessage({
      failed: error instanceof Error ? error.message : String(error),
    } satisfies CheckpointFailure);
    return;
  }
  if (due) timer = setTimeout(checkpoint, job.intervalMs);
}

port.on('message', (request: CheckpointRequest) => {
  if (request === 'close') {
    if (timer !== null) clearTimeout(timer);
    db.close();
    port.close();
    return;
  }
  due = true;
  timer ??= setTimeout(checkpoint, job.intervalMs);
});
