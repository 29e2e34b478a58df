// What a wire format hands the service for one request: either an answer to send at once (a
// request the wallet refuses before doing anything: bad signature, unknown method), or a call the
// service runs under the fault plan: apply its effect, then answer it (or answer a system error
// instead, or never answer at all).
import type { WalletMethod } from './wallet-faults.js';

export type WireCall =
  | { readonly kind: 'answer'; readonly body: string }
  | {
      readonly kind: 'call';
      readonly method: WalletMethod;
      /** Applies the call's effect to the books and returns its answer's body. */
      apply(): string;
      /** The body of a system error; `applied` says whether the effect happened before it. */
      systemError(applied: boolean): string;
    };
