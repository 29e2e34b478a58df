// What a simulated wallet's books say of an order, in the wallet port's words: the one reading the
// simulated UnionPay provider and the fault simulator's wallets both answer a query with.
import type { WalletOrderState, WalletPaid } from '../payments/ports/wallet.js';
import type { SimOrder, SimulatedWallet } from './simulated-wallet.js';

/** The payment of a paid order as the wallet reports it. */
export function paidOf(books: SimulatedWallet, order: SimOrder): WalletPaid {
  return {
    tradeNo: order.tradeNo,
    payerId: books.buyerOf(order),
    amount: order.amount,
    paidAtMs: order.paidAtMs ?? 0,
  };
}

/** An order's state; `refusedBy` opens the message of a refused one ("UnionPay refused: ..."). */
export function orderStateOf(
  books: SimulatedWallet,
  order: SimOrder | undefined,
  refusedBy: string,
): WalletOrderState {
  if (order === undefined || order.origin === 'tombstone') return { state: 'not_found' };
  switch (order.state) {
    case 'paid':
      return order.refundedTotal > 0
        ? { state: 'refunded', refundedAmount: order.refundedTotal }
        : { state: 'paid', ...paidOf(books, order) };
    case 'reversed':
      return { state: 'refunded', refundedAmount: order.refundedTotal };
    case 'user_paying':
      return { state: 'user_paying' };
    case 'shown':
      return { state: 'not_paid' };
    case 'closed':
      return { state: 'closed' };
    case 'failed':
      return {
        state: 'refused',
        refusal: order.failure ?? 'other',
        message: `${refusedBy}: ${order.failure ?? 'other'}`,
      };
  }
}
