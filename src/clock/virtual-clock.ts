// A clock that only moves when told to, for tests and the deterministic simulator. Sleepers wake
// in deadline order (ties in the order they went to sleep), and nothing touches a real timer, so a
// run is repeatable from its seed.
import type { Clock } from './clock.js';

interface Sleeper {
  readonly at: number;
  readonly order: number;
  /** Null once woken or cancelled. */
  resolve: ((elapsed: boolean) => void) | null;
  /** Removes the abort listener, once the sleeper wakes on time. */
  release: (() => void) | null;
}

/** Cancels a sleep: its promise settles false now; it stays in the heap and wakes nobody. */
function disarm(sleeper: Sleeper): void {
  const wake = sleeper.resolve;
  sleeper.resolve = null;
  wake?.(false);
}

function before(a: Sleeper, b: Sleeper): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}

/** A binary min-heap of sleepers by (at, order). */
class SleeperHeap {
  readonly #items: Sleeper[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Sleeper | undefined {
    return this.#items[0];
  }

  push(item: Sleeper): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i] as Sleeper, items[parent] as Sleeper)) break;
      [items[i], items[parent]] = [items[parent] as Sleeper, items[i] as Sleeper];
      i = parent;
    }
  }

  pop(): Sleeper | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l] as Sleeper, items[m] as Sleeper)) m = l;
        if (r < items.length && before(items[r] as Sleeper, items[m] as Sleeper)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m] as Sleeper, items[i] as Sleeper];
        i = m;
      }
    }
    return top;
  }
}

/** Lets every continuation that is ready run: all microtasks, then one turn of the event loop. */
export function quiesce(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A few turns of `quiesce`, for code that hops through the event loop more than once per step. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i += 1) await quiesce();
}

export class VirtualClock implements Clock {
  #now: number;
  #order = 0;
  readonly #sleepers = new SleeperHeap();

  constructor(startMs = Date.UTC(2026, 10, 25, 6, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted === true) return Promise.resolve(false);
    const { elapsed, sleeper } = this.#arm(ms);
    if (signal !== undefined) {
      const onAbort = (): void => disarm(sleeper);
      signal.addEventListener('abort', onAbort, { once: true });
      sleeper.release = () => signal.removeEventListener('abort', onAbort);
    }
    return elapsed;
  }

  /**
   * A sleep its owner cancels directly (`elapsed` then settles false at once): `sleep` with an
   * AbortSignal, without the AbortController and event listeners, which cost more than the sleep
   * itself on the simulator's hot path.
   */
  timer(ms: number): { readonly elapsed: Promise<boolean>; cancel(): void } {
    const { elapsed, sleeper } = this.#arm(ms);
    return { elapsed, cancel: () => disarm(sleeper) };
  }

  #arm(ms: number): { elapsed: Promise<boolean>; sleeper: Sleeper } {
    const sleeper: Sleeper = {
      at: this.#now + Math.max(0, ms),
      order: this.#order++,
      resolve: null,
      release: null,
    };
    const elapsed = new Promise<boolean>((resolve) => {
      sleeper.resolve = resolve;
    });
    this.#sleepers.push(sleeper);
    return { elapsed, sleeper };
  }

  /** The time of the next sleeper still waiting, if any. */
  nextDeadline(): number | undefined {
    this.#dropDisarmed();
    return this.#sleepers.peek()?.at;
  }

  pendingSleepers(): number {
    return this.#sleepers.size;
  }

  #dropDisarmed(): void {
    while (this.#sleepers.peek()?.resolve === null) this.#sleepers.pop();
  }

  /** Wakes everyone due at the next deadline (moving time there); says whether anyone was. */
  #wakeNext(limit: number): boolean {
    this.#dropDisarmed();
    const first = this.#sleepers.peek();
    if (first === undefined || first.at > limit) return false;
    this.#now = Math.max(this.#now, first.at);
    while (this.#sleepers.peek()?.at === this.#now) {
      const sleeper = this.#sleepers.pop();
      const wake = sleeper?.resolve;
      if (sleeper !== undefined) {
        sleeper.resolve = null;
        sleeper.release?.();
      }
      wake?.(true);
    }
    return true;
  }

  /** Moves time to `at` (never backwards), waking each deadline's sleepers in turn and letting them run. */
  async advanceTo(at: number): Promise<void> {
    await settle();
    while (this.#wakeNext(at)) await settle();
    this.#now = Math.max(this.#now, at);
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  /**
   * Runs the world until `done()` or until nothing is left to wake, moving time from one deadline
   * to the next. Returns the number of time steps taken.
   */
  async run(done: () => boolean, options: { maxSteps: number }): Promise<number> {
    let steps = 0;
    await quiesce();
    while (!done() && steps < options.maxSteps && this.#wakeNext(Number.POSITIVE_INFINITY)) {
      await quiesce();
      steps += 1;
    }
    return steps;
  }
}
