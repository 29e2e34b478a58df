// A worker thread's side of the culprit test: runs its share of the seeds one after the other
// (culprit-day.ts), posting each day as it is diagnosed, then `done` (or what went wrong).
import { parentPort, workerData } from 'node:worker_threads';
import { culpritDay, type CulpritDayJob } from './culprit-day.js';

const jobs = workerData as readonly CulpritDayJob[];
(async () => {
  for (const job of jobs) parentPort?.postMessage({ kind: 'day', day: await culpritDay(job) });
  parentPort?.postMessage({ kind: 'done' });
})().catch((error: unknown) =>
  parentPort?.postMessage({
    kind: 'failed',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  }),
);
