// The limit on failed authentications per client address: an address that sent too many wrong API
// keys in a window is answered 429 with Retry-After until the window ends, before its key is even
// looked at, so a list of leaked or guessed keys cannot be tried at speed, and the store is not
// queried for each guess. A correct key pays one map lookup; successes never count.
// Memory is bounded: at most `maxAddresses` addresses are tracked; when full, windows that ended
// are dropped first, then the oldest (an attacker spraying addresses only resets their own counts).
import type { Clock } from '../clock/clock.js';

export interface AuthFailureLimitOptions {
  /** Wrong keys an address may send in one window; 0 turns the limit off. */
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly maxAddresses: number;
  readonly clock: Pick<Clock, 'now'>;
}

interface Window {
  readonly startedAt: number;
  failures: number;
}

export class AuthFailureLimit {
  readonly #options: AuthFailureLimitOptions;
  readonly #windows = new Map<string, Window>();

  constructor(options: AuthFailureLimitOptions) {
    this.#options = options;
  }

  /** Seconds the address must wait before its next try, or undefined when it may try now. */
  retryAfterS(address: string): number | undefined {
    if (this.#options.maxFailures === 0) return undefined;
    const window = this.#windows.get(address);
    if (window === undefined || window.failures < this.#options.maxFailures) return undefined;
    const leftMs = window.startedAt + this.#options.windowMs - this.#options.clock.now();
    if (leftMs <= 0) {
      this.#windows.delete(address);
      return undefined;
    }
    return Math.ceil(leftMs / 1000);
  }

  /** Counts one wrong key from the address. */
  recordFailure(address: string): void {
    if (this.#options.maxFailures === 0) return;
    const now = this.#options.clock.now();
    const window = this.#windows.get(address);
    if (window !== undefined && now < window.startedAt + this.#options.windowMs) {
      window.failures += 1;
      return;
    }
    if (window === undefined && this.#windows.size >= this.#options.maxAddresses) this.#makeRoom(now);
    this.#windows.set(address, { startedAt: now, failures: 1 });
  }

  /** How many addresses are tracked (for tests of the bound). */
  get trackedAddresses(): number {
    return this.#windows.size;
  }

  #makeRoom(now: number): void {
    for (const [address, window] of this.#windows) {
      if (now >= window.startedAt + this.#options.windowMs) this.#windows.delete(address);
    }
    // Still full: drop the oldest quarter (Map order is insertion order), so the next thousands of
    // new addresses do not each pay a full sweep.
    if (this.#windows.size >= this.#options.maxAddresses) {
      let drop = Math.max(1, Math.floor(this.#options.maxAddresses / 4));
      for (const address of this.#windows.keys()) {
        if (drop === 0) break;
        this.#windows.delete(address);
        drop -= 1;
      }
    }
  }
}
