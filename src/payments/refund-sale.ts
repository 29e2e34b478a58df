// Refunding (退货) part or all of a captured sale. The refunds of one sale, counting those still in
// flight or with an unknown outcome, never add up to more than the sale's amount.
import { PosError } from '../pos-error.js';
import type { EngineContext } from './engine-context.js';
import { assertTransition } from './life-cycle.js';
import { runChildOperation, type ChildCommand } from './child-operation.js';
import type { PaymentResult } from './authorize-sale.js';

export function refundSale(
  ctx: EngineContext,
  command: ChildCommand & { amount: number },
): Promise<PaymentResult> {
  return runChildOperation(ctx, command, {
    kind: 'refund',
    hashContent: { amount: command.amount },
    amountFor(sale, children) {
      if (sale.status !== 'partially_refunded') assertTransition(sale, 'refunded');
      const voidInFlight = children.find((c) => c.kind === 'void');
      if (voidInFlight !== undefined) {
        throw new PosError(
          'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
          `sale ${sale.id} cannot be refunded: void ${voidInFlight.id} (${voidInFlight.status}) acts on it`,
          { details: { paymentId: sale.id, blockedBy: voidInFlight.id } },
        );
      }
      const alreadyRefunded = children.reduce((sum, c) => sum + c.amount, 0);
      if (command.amount < 1 || alreadyRefunded + command.amount > sale.amount) {
        throw new PosError(
          'POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED',
          `amount: expected at most ${sale.amount - alreadyRefunded} fen (captured ${sale.amount}, ` +
            `already refunded or in flight ${alreadyRefunded}), got ${command.amount}`,
          {
            details: {
              paymentId: sale.id,
              captured: sale.amount,
              alreadyRefunded,
              requested: command.amount,
            },
          },
        );
      }
      return command.amount;
    },
  });
}
