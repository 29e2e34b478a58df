// What this host has seen signed under each terminal's session key, by MAC fold R (the XOR of the
// MAC input's 8-byte blocks). The CUP MAC depends on a message only through R, so anyone holding a
// signed message can build another with the same R (filler bytes in any free field) and the same
// MAC. Two ways in are closed here (issue 13):
//   - an answer the host signed: a request whose R equals it is a forgery, always;
//   - a request the host accepted: a later request with the same R is a retransmission only when
//     it is the same bytes; other bytes with that R are a forgery built from a captured request.
// The record is per host process and per session key (a new key starts afresh, since R under one
// key says nothing about another). It is bounded: a session that reaches the limit is asked to
// sign in again rather than forgetting what it signed. See docs/iso8583.md for what stays open.
import { createHash } from 'node:crypto';

export interface SignedFoldLimits {
  /** Folds kept per session key (a request and its answer are two); past it: sign in again. */
  readonly maxFoldsPerSession: number;
  /** Sessions kept; the oldest is forgotten past it (its terminal then signs in again). */
  readonly maxSessions: number;
}

export const defaultSignedFoldLimits: SignedFoldLimits = {
  // A busy POS makes a few hundred transactions a day and signs in daily: 8,192 is ample.
  maxFoldsPerSession: 8192,
  maxSessions: 100_000,
};

export type FoldCheck =
  | { readonly kind: 'fresh' }
  | { readonly kind: 'retransmission' }
  | { readonly kind: 'forged'; readonly why: string }
  | { readonly kind: 'full' };

/** `answer`, or the digest of the request bytes (MAC input) that had this fold. */
type FoldOwner = { readonly kind: 'answer' } | { readonly kind: 'request'; readonly digest: string };

interface Session {
  readonly sealedMacKey: string;
  readonly folds: Map<string, FoldOwner>;
}

function digestOf(macInput: Uint8Array): string {
  return createHash('sha256').update(macInput).digest('base64');
}

export class SignedFolds {
  readonly #limits: SignedFoldLimits;
  /** By terminal (`merchant/terminal`): its current session. Map order is age, for eviction. */
  readonly #sessions = new Map<string, Session>();

  constructor(limits: Partial<SignedFoldLimits> = {}) {
    this.#limits = { ...defaultSignedFoldLimits, ...limits };
  }

  #session(terminal: string, sealedMacKey: string): Session {
    let session = this.#sessions.get(terminal);
    if (session?.sealedMacKey !== sealedMacKey) {
      session = { sealedMacKey, folds: new Map() };
      this.#sessions.delete(terminal);
      if (this.#sessions.size >= this.#limits.maxSessions) {
        const oldest = this.#sessions.keys().next().value;
        if (oldest !== undefined) this.#sessions.delete(oldest);
      }
      this.#sessions.set(terminal, session);
    }
    return session;
  }

  /**
   * Checks a request whose MAC verified, and remembers it when it is fresh. `fold` is its R and
   * `macInput` the bytes it was computed over.
   */
  checkRequest(options: {
    terminal: string;
    sealedMacKey: string;
    fold: Uint8Array;
    macInput: Uint8Array;
  }): FoldCheck {
    const session = this.#session(options.terminal, options.sealedMacKey);
    const key = Buffer.from(options.fold).toString('hex');
    const owner = session.folds.get(key);
    const digest = digestOf(options.macInput);
    if (owner?.kind === 'answer') {
      return {
        kind: 'forged',
        why: 'the MAC input folds to the value of an answer this host signed: a reused signature',
      };
    }
    if (owner?.kind === 'request') {
      return owner.digest === digest
        ? { kind: 'retransmission' }
        : {
            kind: 'forged',
            why: 'the MAC input folds to the value of an earlier request with other content: a reused signature',
          };
    }
    if (session.folds.size >= this.#limits.maxFoldsPerSession) return { kind: 'full' };
    session.folds.set(key, { kind: 'request', digest });
    return { kind: 'fresh' };
  }

  /** Remembers the fold of an answer about to be sent signed under `sealedMacKey`. */
  recordAnswer(options: { terminal: string; sealedMacKey: string; fold: Uint8Array }): void {
    const session = this.#session(options.terminal, options.sealedMacKey);
    // Kept even past the limit: an answer's fold must never be forgotten while its key is in use.
    session.folds.set(Buffer.from(options.fold).toString('hex'), { kind: 'answer' });
  }
}
