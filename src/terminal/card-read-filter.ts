// The same card read twice within a short window is one read: a card reader that bounces, or a
// card tapped and then inserted, reports it twice, and the second report must not start a second
// sale. Only a hash of the card number is kept, in memory, for the window.
import { createHash } from 'node:crypto';

export const doubleReadWindowMs = 2_000;

export class CardReadFilter {
  readonly #windowMs: number;
  #last: { readonly card: string; readonly at: number; readonly stan: string | null } | undefined;

  constructor(windowMs = doubleReadWindowMs) {
    this.#windowMs = windowMs;
  }

  /**
   * Whether a read of `pan` at `now` is a new read. A repeat within the window is not, and does
   * not extend the window: a card held on the reader is read again once the window has passed.
   * A `deliberate` read is always new, and starts a window of its own.
   */
  accept(
    pan: string,
    now: number,
    options: { readonly deliberate?: boolean } = {},
  ): { readonly kind: 'new' } | { readonly kind: 'repeat'; readonly stan: string | null } {
    const card = createHash('sha256').update(pan, 'utf8').digest('hex');
    const last = this.#last;
    // A deliberate read (the operator confirmed a genuine second purchase after a 94) is a new
    // sale however soon it follows: the reader did not bounce, the cashier answered a prompt.
    if (!options.deliberate && last !== undefined && last.card === card && now - last.at < this.#windowMs) {
      return { kind: 'repeat', stan: last.stan };
    }
    this.#last = { card, at: now, stan: null };
    return { kind: 'new' };
  }

  /** Ties the last accepted read to the STAN of the sale it started, for the repeat's answer. */
  started(stan: string): void {
    if (this.#last !== undefined) this.#last = { ...this.#last, stan };
  }
}
