// Crash recovery. A host stores a payment as `pending` before it calls the upstream and always
// moves it on by the upstream timeout; so a payment still `pending` well after that belongs to a
// host that died mid-call. Any surviving host (or the same one, restarted) moves it to
// `reversal_pending` and queues its reversal, because the upstream may have charged the card.
import type { EngineContext } from './engine-context.js';
import { queueReversalOf } from './authorize-sale.js';
import { paymentAnswer } from './payment-view.js';
import { inTransaction } from './unit-of-work.js';

/** The most orphans one pass recovers; the next pass takes the rest. */
const recoveryBatch = 100;

export async function recoverOrphans(ctx: EngineContext): Promise<number> {
  // A read first: a pass almost always finds nothing, and a read costs far less than a write.
  const cutoffNow = ctx.clock.now() - ctx.settings.upstreamTimeoutMs - ctx.settings.recoveryGraceMs;
  const any = await ctx.store.read((reader) => reader.findPendingCreatedBefore(cutoffNow, 1));
  if (any.length === 0) return 0;
  return inTransaction(ctx, async (work) => {
    const cutoff = work.now - ctx.settings.upstreamTimeoutMs - ctx.settings.recoveryGraceMs;
    const orphans = await work.tx.findPendingCreatedBefore(cutoff, recoveryBatch);
    let recovered = 0;
    for (const orphan of orphans) {
      const moved = await queueReversalOf(
        ctx,
        work,
        orphan,
        'timeout',
        'recovered after a host stopped mid-call',
      );
      if (moved === undefined) continue;
      recovered += 1;
      await work.tx.completeRequest(moved.merchantId, moved.idempotencyKey, paymentAnswer(moved));
    }
    if (recovered > 0) {
      work.afterCommit(() =>
        ctx.log.warn({ recovered }, 'queued reversals for payments left pending by a stopped host'),
      );
    }
    return recovered;
  });
}

/** Deletes idempotency records past their retention, a bounded batch at a time. */
export async function expireKeys(ctx: EngineContext): Promise<number> {
  return inTransaction(ctx, (work) => work.tx.deleteExpiredRequests(work.now, 1000));
}
