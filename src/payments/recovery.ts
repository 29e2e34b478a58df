// Crash recovery. A host stores a payment as `pending` before it calls the upstream and always
// moves it on by the upstream timeout (a QR sale: by its wallet's pay window, pending-horizon.ts);
// so a payment still `pending` well after that belongs to a host that died mid-call. Any
// surviving host (or the same one, restarted) moves it to `reversal_pending` and queues its
// reversal, because the upstream may have charged the card. For a QR sale the queue's worker
// calls the wallet's cancel, which closes an unpaid order and refunds a paid one: even a sale the
// wallet charged is not approved now, since the terminal was never told it was, and the cashier
// has taken the money another way or not at all.
import type { EngineContext } from './engine-context.js';
import type { OrphanQuery } from './ports/payment-store.js';
import { queueReversalOf } from './authorize-sale.js';
import { paymentAnswer } from './payment-view.js';
import { qrHorizonMs } from './pending-horizon.js';
import { inTransaction } from './unit-of-work.js';

/** The most orphans one pass recovers; the next pass takes the rest. */
const recoveryBatch = 100;

/**
 * The cutoffs at `now`: a card payment is an orphan after the upstream timeout and the grace; a
 * QR sale after the longest pay window of this host's wallets and the grace (one cutoff for every
 * wallet, so one query serves; a shorter window only waits longer for a sale nobody polls).
 */
function orphanQuery(ctx: EngineContext, now: number, limit: number): OrphanQuery {
  const grace = ctx.settings.recoveryGraceMs;
  return {
    cardCreatedBefore: now - ctx.settings.upstreamTimeoutMs - grace,
    qrCreatedBefore: now - qrHorizonMs(ctx) - grace,
    limit,
  };
}

export async function recoverOrphans(ctx: EngineContext): Promise<number> {
  // A read first: a pass almost always finds nothing, and a read costs far less than a write.
  const any = await ctx.store.read((reader) =>
    reader.findOrphanedPending(orphanQuery(ctx, ctx.clock.now(), 1)),
  );
  if (any.length === 0) return 0;
  return inTransaction(ctx, async (work) => {
    const orphans = await work.tx.findOrphanedPending(orphanQuery(ctx, work.now, recoveryBatch));
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
