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

/** Formats epoch milliseconds as ISO 8601 UTC, the form every API answer uses. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
