// Idempotency: what happens when a request arrives under a key its merchant has used before.
// Semantics follow the IETF draft "The Idempotency-Key HTTP Header Field": the same key with the
// same content gets the stored answer again and nothing is done twice; the same key with other
// content is refused; a repeat while the first is still in flight waits a bounded time for its
// answer and is otherwise refused as a conflict. A key taken by a tombstone (a reversal that came
// before its original) refuses the original.
import type { RequestOperation, RequestRecord } from './ports/idempotency-store.js';
import type { EngineContext } from './engine-context.js';
import { assert } from '../assert.js';
import type { EngineAnswer } from './payment.js';

/** The outcome of an engine request: its answer (fresh or replayed), or why there is none. */
export type EngineResult<A extends EngineAnswer = EngineAnswer> =
  | { readonly kind: 'answered'; readonly answer: A; readonly replayed: boolean }
  | { readonly kind: 'key_reused'; readonly operation: RequestOperation }
  | { readonly kind: 'in_flight' }
  | { readonly kind: 'tombstoned' };

export function newRequestRecord(
  ctx: EngineContext,
  input: {
    merchantId: string;
    idempotencyKey: string;
    operation: RequestOperation;
    requestHash: string;
    paymentId: string | null;
    now: number;
  },
): RequestRecord {
  return {
    ...input,
    state: 'in_flight',
    answer: null,
    createdAt: input.now,
    expiresAt: input.now + ctx.settings.keyRetentionMs,
  };
}

type AnswerOf<K extends EngineAnswer['kind']> = Extract<EngineAnswer, { kind: K }>;

function replay<K extends EngineAnswer['kind']>(
  record: RequestRecord,
  answerKind: K,
): EngineResult<AnswerOf<K>> | undefined {
  const answer = record.answer;
  if (record.state !== 'completed' || answer === null) return undefined;
  // The same operation and content under the same key were answered by the same use case.
  assert(answer.kind === answerKind, `a stored ${record.operation} answer is a ${answerKind} answer`);
  return { kind: 'answered', answer: answer as AnswerOf<K>, replayed: true };
}

/** Decides the answer for a request whose key was already taken by `existing`. */
export async function answerExistingKey<K extends EngineAnswer['kind']>(
  ctx: EngineContext,
  existing: RequestRecord,
  request: { operation: RequestOperation; requestHash: string; answerKind: K },
): Promise<EngineResult<AnswerOf<K>>> {
  if (existing.operation === 'tombstone') {
    ctx.metrics.duplicatePrevented('late_original_refused');
    ctx.log.warn(
      { merchantId: existing.merchantId, idempotencyKey: existing.idempotencyKey },
      'refused an original that arrived after its reversal',
    );
    return { kind: 'tombstoned' };
  }
  if (existing.operation !== request.operation || existing.requestHash !== request.requestHash) {
    return { kind: 'key_reused', operation: existing.operation };
  }
  const stored = replay(existing, request.answerKind);
  if (stored !== undefined) {
    ctx.metrics.duplicatePrevented('retransmission_replayed');
    return stored;
  }
  // Still in flight: wait a bounded time for the first request's answer, never sending again.
  const deadline = ctx.clock.now() + ctx.settings.inFlightWaitMs;
  while (ctx.clock.now() < deadline) {
    await ctx.clock.sleep(Math.min(ctx.settings.inFlightPollMs, deadline - ctx.clock.now()));
    const current = await ctx.store.read((reader) =>
      reader.getRequest(existing.merchantId, existing.idempotencyKey),
    );
    const answered = current && replay(current, request.answerKind);
    if (answered !== undefined) {
      ctx.metrics.duplicatePrevented('retransmission_replayed');
      return answered;
    }
  }
  ctx.metrics.duplicatePrevented('in_flight_refused');
  return { kind: 'in_flight' };
}
