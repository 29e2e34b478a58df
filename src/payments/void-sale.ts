// Voiding (撤销) an approved sale in full, before settlement. Refused when the sale is not
// approved, or when a void or refund already acts on it.
import { PosError } from '../pos-error.js';
import type { EngineContext } from './engine-context.js';
import { assertTransition } from './life-cycle.js';
import { runChildOperation, type ChildCommand } from './child-operation.js';
import type { PaymentResult } from './authorize-sale.js';

export function voidSale(ctx: EngineContext, command: ChildCommand): Promise<PaymentResult> {
  return runChildOperation(ctx, command, {
    kind: 'void',
    hashContent: {},
    amountFor(sale, children) {
      assertTransition(sale, 'voided');
      const other = children[0];
      if (other !== undefined) {
        throw new PosError(
          'POS_ERR_PAYMENT_ILLEGAL_TRANSITION',
          `sale ${sale.id} cannot be voided: ${other.kind} ${other.id} (${other.status}) already acts on it`,
          { details: { paymentId: sale.id, blockedBy: other.id } },
        );
      }
      return sale.amount;
    },
  });
}
