// A clock that only moves when told to: for tests and the deterministic simulator. Sleepers are
// woken in deadline order (ties in the order they went to sleep), so a run is repeatable.
import type { Clock } from './clock.js';

interface Sleeper {
  readonly at: number;
  readonly order: number;
  readonly resolve: (elapsed: boolean) => void;
}

export class ManualClock implements Clock {
  #now: number;
  #order = 0;
  #sleepers: Sleeper[] = [];

  constructor(startMs = Date.UTC(2026, 10, 25, 6, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (signal?.aborted === true) {
        resolve(false);
        return;
      }
      const sleeper: Sleeper = { at: this.#now + Math.max(0, ms), order: this.#order++, resolve };
      this.#insert(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.#sleepers.indexOf(sleeper);
          if (index >= 0) {
            this.#sleepers.splice(index, 1);
            resolve(false);
          }
        },
        { once: true },
      );
    });
  }

  /** The time of the next sleeper to wake, if any. */
  nextDeadline(): number | undefined {
    return this.#sleepers[0]?.at;
  }

  pendingSleepers(): number {
    return this.#sleepers.length;
  }

  /** Moves time to `at` (never backwards) and wakes, one by one, every sleeper due by then. */
  async advanceTo(at: number): Promise<void> {
    for (;;) {
      const next = this.#sleepers[0];
      if (next === undefined || next.at > at) break;
      this.#sleepers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve(true);
      await settle();
    }
    this.#now = Math.max(this.#now, at);
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  #insert(sleeper: Sleeper): void {
    let low = 0;
    let high = this.#sleepers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.#sleepers[mid];
      if (
        other !== undefined &&
        (other.at < sleeper.at || (other.at === sleeper.at && other.order < sleeper.order))
      ) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    this.#sleepers.splice(low, 0, sleeper);
  }
}

/** Lets every promise continuation that is ready run before time moves on. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
