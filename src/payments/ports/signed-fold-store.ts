// The signed-folds port (issue 13): per terminal session key, the MAC folds R (the XOR of the MAC
// input's 8-byte blocks) of every answer the host signed and every request it accepted, so that a
// message forged from one of them is refused by every host sharing the store, before and after a
// restart. A session is named by a digest of its sealed MAC key, never by the key; a request by a
// keyed digest of its MAC input, never by its bytes (they hold card data).

/** A terminal's session key, as the record names it. */
export interface FoldSession {
  readonly merchantId: string;
  readonly terminalId: string;
  /** A digest of the sealed MAC key the session signs under. */
  readonly keyDigest: string;
}

/** Who gave a fold: an answer the host signed, or a request (by the digest of its MAC input). */
export type FoldOwner = { readonly kind: 'answer' } | { readonly kind: 'request'; readonly digest: string };

export interface SignedFoldLookup {
  /** Who gave the fold under the session key; undefined when nobody did. */
  readonly owner: FoldOwner | undefined;
  /** How many folds the session key has. */
  readonly folds: number;
}

export interface SignedFoldReader {
  /** One fold's owner and the session's count of folds, read together. */
  getSignedFold(session: FoldSession, fold: string): Promise<SignedFoldLookup>;
}

export interface SignedFoldWriter {
  /**
   * Keeps a fold (16 hex digits) under the session key unless the session has it already; an
   * answer's replaces a request's (an answer's fold is never to be used by a request). Says whether
   * the fold was new; a fold another transaction is adding at the same moment is waited for.
   */
  putSignedFold(session: FoldSession, fold: string, owner: FoldOwner, now: number): Promise<boolean>;
  /** Deletes the terminal's folds under every key but `keepKeyDigest`; returns how many. */
  deleteSignedFoldsExcept(merchantId: string, terminalId: string, keepKeyDigest: string): Promise<number>;
}
