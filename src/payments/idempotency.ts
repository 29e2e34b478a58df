// Idempotency: what happens when a request arrives under a key its merchant has used before.
// Semantics follow the IETF draft "The Idempotency-Key HTTP Header Field": the same key with the
// same content gets the stored answer again and nothing is done twice; the same key with other
// content is refused; a repeat while the first is still in flight waits a bounded time for its
// answer and is otherwise refused as a conflict. A key taken by a tombstone (a reversal that came
// before its original) refuses the original.
import type { RequestOperation, RequestRecord } from './ports/idempotency-store.js';
import type { EngineContext } from './engine-context.js';
import type { StoredAnswer } from './payment-view.js';

export type EngineResult =
  | { readonly kind: 'answered'; readonly answer: StoredAnswer; readonly replayed: boolean }
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
    responseStatus: null,
    responseBody: null,
    createdAt: input.now,
    expiresAt: input.now + ctx.settings.keyRetentionMs,
  };
}

function replay(record: RequestRecord): EngineResult | undefined {
  if (record.state !== 'completed' || record.responseStatus === null || record.responseBody === null) {
    return undefined;
  }
  return {
    kind: 'answered',
    answer: { status: record.responseStatus, body: record.responseBody },
    replayed: true,
  };
}

/** Decides the answer for a request whose key was already taken by `existing`. */
export async function answerExistingKey(
  ctx: EngineContext,
  existing: RequestRecord,
  request: { operation: RequestOperation; requestHash: string },
): Promise<EngineResult> {
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
  const stored = replay(existing);
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
    const answered = current && replay(current);
    if (answered !== undefined) {
      ctx.metrics.duplicatePrevented('retransmission_replayed');
      return answered;
    }
  }
  ctx.metrics.duplicatePrevented('in_flight_refused');
  return { kind: 'in_flight' };
}
