// Time as a port. The engine, the reversal queue and the terminal SDK never read the wall clock or
// start timers themselves: they ask a Clock, so tests and the simulator can own time.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds with true, or early with false when `signal` aborts. Never
   * rejects, so a cancelled wait is not an error path.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

/** The real clock: Date.now and timers, with timers that do not keep a stopping process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<boolean>((resolve) => {
      if (signal?.aborted === true) {
        resolve(false);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

const dayMs = 86_400_000;
/** The last day formatted, and its `YYYY-MM-DDT`: most calls fall on the same day as the last. */
let lastDay = Number.NaN;
let lastDayPrefix = '';
const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** Formats epoch milliseconds as ISO 8601 UTC, the form every API answer uses. */
export function isoTime(epochMs: number): string {
  // The time of day by hand, the date from the last call: a Date and its toISOString cost more
  // than the answer they go into. Whole milliseconds from 1970 to 9999 only; the rest as before.
  if (!Number.isInteger(epochMs) || epochMs < 0 || epochMs >= 253_402_300_800_000) {
    return new Date(epochMs).toISOString();
  }
  const day = Math.floor(epochMs / dayMs);
  if (day !== lastDay) {
    lastDayPrefix = new Date(day * dayMs).toISOString().slice(0, 11);
    lastDay = day;
  }
  const inDay = epochMs - day * dayMs;
  const ms = inDay % 1000;
  const seconds = Math.floor(inDay / 1000);
  const msText = ms < 10 ? `00${ms}` : ms < 100 ? `0${ms}` : `${ms}`;
  return `${lastDayPrefix}${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}.${msText}Z`;
}
