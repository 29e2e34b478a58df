// What the host signed under each terminal's session key, by MAC fold R (the XOR of the MAC
// input's 8-byte blocks), kept in the store (issue 13). The CUP MAC depends on a message only
// through R, so anyone holding a signed message can build another with the same R (filler bytes in
// any free field) and the same MAC. Two ways in are closed here:
//   - an answer the host signed: a request whose R equals it is a forgery, always;
//   - a request the host accepted: a later request with the same R is a retransmission only when
//     it is the same bytes; other bytes with that R are a forgery built from a captured request.
// The store is the record, so it holds across restarts and for every host sharing the store: a
// request's fold is checked and kept in one transaction, and an answer's fold is durable before
// the answer leaves (the door records it before sending). A session key starts afresh (R under
// one key says nothing about another); the folds of a terminal's old keys are deleted when it
// adopts new ones. Bounded: a session that reaches the limit is asked to sign in again rather
// than forgetting what it signed. See docs/iso8583.md for what the CUP MAC still cannot do.
import { createHash } from 'node:crypto';
import type { EngineContext } from './engine-context.js';
import type { FoldOwner, FoldSession } from './ports/signed-fold-store.js';
import { adoptPendingKeys, type TerminalRef } from './terminal-sign-in.js';

/** Folds kept per session key by default (a request and its answer are two). */
export const defaultMaxFoldsPerSession = 8192;

export type FoldCheck =
  | { readonly kind: 'fresh' }
  | { readonly kind: 'retransmission' }
  | { readonly kind: 'forged'; readonly why: string }
  | { readonly kind: 'full' };

/** A request whose MAC verified under `sealedMacKey`. */
export interface SignedRequest {
  readonly terminal: TerminalRef;
  readonly sealedMacKey: string;
  /** True when the key is the terminal's pending one: the request proves it, so it is adopted. */
  readonly adopt: boolean;
  /** R, 16 hex digits. */
  readonly fold: string;
  /** A keyed digest of the MAC input: the same bytes give the same digest, and nothing else does. */
  readonly requestDigest: string;
  readonly now: number;
  /** Past this many folds under the key, a fresh request is refused: sign in again. */
  readonly maxFolds: number;
}

/** An answer about to be sent signed under `sealedMacKey`. */
export interface SignedAnswer {
  readonly terminal: TerminalRef;
  readonly sealedMacKey: string;
  readonly fold: string;
  readonly now: number;
}

/** Names a session key in the store: a digest of its sealed form (which changes with every key). */
export function sessionKeyDigest(sealedMacKey: string): string {
  return createHash('sha256').update(sealedMacKey, 'utf8').digest('base64');
}

function foldSession(terminal: TerminalRef, sealedMacKey: string): FoldSession {
  return {
    merchantId: terminal.merchantId,
    terminalId: terminal.terminalId,
    keyDigest: sessionKeyDigest(sealedMacKey),
  };
}

const answerReused: FoldCheck = {
  kind: 'forged',
  why: 'the MAC input folds to the value of an answer this host signed: a reused signature',
};
const requestReused: FoldCheck = {
  kind: 'forged',
  why: 'the MAC input folds to the value of an earlier request with other content: a reused signature',
};

/**
 * Checks the fold of a request whose MAC verified and keeps it when it is fresh; when the request
 * was MACed under the pending keys and is no forgery, adopts them (and drops the folds of the keys
 * they replace). One transaction: two hosts given requests with one fold take only one of them.
 */
export async function acceptSignedRequest(ctx: EngineContext, request: SignedRequest): Promise<FoldCheck> {
  const session = foldSession(request.terminal, request.sealedMacKey);
  const owner = { kind: 'request', digest: request.requestDigest } as const;
  return ctx.store.transaction(async (tx) => {
    const seen = await tx.getSignedFold(session, request.fold);
    let check: FoldCheck;
    if (seen.owner !== undefined) {
      check = classify(seen.owner, request.requestDigest);
    } else if (seen.folds >= request.maxFolds) {
      return { kind: 'full' };
    } else if (await tx.putSignedFold(session, request.fold, owner, request.now)) {
      check = { kind: 'fresh' };
    } else {
      // Another host kept this fold between the read and the insert: its owner decides.
      const winner = (await tx.getSignedFold(session, request.fold)).owner;
      check = winner === undefined ? { kind: 'fresh' } : classify(winner, request.requestDigest);
    }
    if (check.kind === 'forged' || !request.adopt) return check;
    const adopted = await adoptPendingKeys(tx, {
      terminal: request.terminal,
      sealedMacKey: request.sealedMacKey,
      now: request.now,
    });
    if (adopted) {
      await tx.deleteSignedFoldsExcept(session.merchantId, session.terminalId, session.keyDigest);
    }
    return check;
  });
}

function classify(owner: FoldOwner, digest: string): FoldCheck {
  if (owner.kind === 'answer') return answerReused;
  return owner.digest === digest ? { kind: 'retransmission' } : requestReused;
}

/**
 * Keeps the fold of an answer about to be sent signed: the caller sends it only once this has
 * resolved. Kept even past the limit: an answer's fold is never forgotten while its key is in use.
 */
export async function recordSignedAnswer(ctx: EngineContext, answer: SignedAnswer): Promise<void> {
  const session = foldSession(answer.terminal, answer.sealedMacKey);
  await ctx.store.transaction((tx) => tx.putSignedFold(session, answer.fold, { kind: 'answer' }, answer.now));
}
