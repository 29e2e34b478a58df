// Runs the culprit test's days on a few worker threads, each taking every n-th seed in turn (one
// worker startup per lane, not per seed), and gives the days back in seed order.
import { startWorker } from '../../start-worker.js';
import type { CulpritDay, CulpritDayJob } from './culprit-day.js';

type Reply = { kind: 'day'; day: CulpritDay } | { kind: 'done' } | { kind: 'failed'; message: string };

function lane(jobs: readonly CulpritDayJob[]): Promise<CulpritDay[]> {
  return new Promise((resolve, reject) => {
    const days: CulpritDay[] = [];
    const worker = startWorker(import.meta.url, 'culprit-days-worker', jobs);
    worker.on('message', (reply: Reply) => {
      if (reply.kind === 'day') days.push(reply.day);
      else if (reply.kind === 'done') resolve(days);
      else reject(new Error(reply.message));
      if (reply.kind !== 'day') void worker.terminate();
    });
    worker.once('error', reject);
  });
}

export async function culpritDays(jobs: readonly CulpritDayJob[], lanes: number): Promise<CulpritDay[]> {
  const shares = Array.from({ length: Math.max(1, lanes) }, (_, i) => jobs.filter((_, j) => j % lanes === i));
  const days = (await Promise.all(shares.filter((s) => s.length > 0).map(lane))).flat();
  return days.sort((a, b) => a.seed - b.seed);
}
