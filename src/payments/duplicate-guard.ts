// The duplicate-suspect guard, as a pure decision. A new sale whose merchant, terminal, card
// fingerprint and amount match an approved (or still unknown) sale at most the merchant's window
// earlier is a suspected duplicate: a card read twice, a re-swipe after a lost receipt, a sale
// keyed twice. What happens then is the merchant's policy.
import type { DuplicatePolicy, PaymentRecord } from './payment.js';

export type DuplicateDecision =
  /** Send it upstream. */
  | {
      readonly action: 'proceed';
      readonly duplicateOf: string | null;
      readonly confirmed: boolean;
      readonly flagged: boolean;
    }
  /** Do not send it; the operator may confirm it with a new key and `confirmDuplicate`. */
  | { readonly action: 'hold'; readonly duplicateOf: string }
  /** Do not send it, whatever the operator says. */
  | { readonly action: 'block'; readonly duplicateOf: string };

export function decideDuplicate(input: {
  readonly policy: DuplicatePolicy;
  /** Matching earlier sales, newest first. */
  readonly candidates: readonly PaymentRecord[];
  readonly confirmDuplicate: boolean;
}): DuplicateDecision {
  const nearest = input.candidates[0];
  if (nearest === undefined || input.policy === 'off') {
    return { action: 'proceed', duplicateOf: null, confirmed: false, flagged: false };
  }
  switch (input.policy) {
    case 'confirm':
      return input.confirmDuplicate
        ? { action: 'proceed', duplicateOf: nearest.id, confirmed: true, flagged: false }
        : { action: 'hold', duplicateOf: nearest.id };
    case 'block':
      return { action: 'block', duplicateOf: nearest.id };
    case 'flag':
      return { action: 'proceed', duplicateOf: nearest.id, confirmed: input.confirmDuplicate, flagged: true };
  }
}
