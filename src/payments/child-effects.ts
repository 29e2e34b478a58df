// What an approved void or refund does to its sale, in the transaction that approves it: a void
// leaves the sale voided; a refund leaves it refunded once its approved refunds reach its amount,
// partially refunded before. One place for both doors and both methods: a card void or refund
// approved by the issuer, a QR one the wallet confirmed (at once, or later by the background worker).
import type { EngineContext } from './engine-context.js';
import type { PaymentRecord } from './payment.js';
import { movePayment, type UnitOfWork } from './unit-of-work.js';

export async function onChildApproved(
  ctx: EngineContext,
  work: UnitOfWork,
  child: PaymentRecord,
  sale: PaymentRecord,
): Promise<void> {
  if (child.kind === 'void') {
    await movePayment(
      ctx,
      work,
      sale,
      { status: 'voided' },
      { name: 'payment.voided', data: { voidId: child.id } },
    );
    return;
  }
  const approved = await work.tx.listChildren(sale.id, ['approved']);
  const total = approved.filter((c) => c.kind === 'refund').reduce((sum, c) => sum + c.amount, 0);
  const status = total >= sale.amount ? 'refunded' : 'partially_refunded';
  await movePayment(
    ctx,
    work,
    sale,
    { status },
    { name: 'payment.refunded', data: { refundId: child.id, total } },
  );
}
