// A wallet's payment notification (Alipay 异步通知, WeChat Pay 支付结果通知), as the HTTP door hands
// it over: the raw body and its content type. It is believed only once the provider has verified
// its signature and that it names our app (and merchant number); then it names an order number,
// which names exactly one QR sale, so no request field (a merchant, an amount) is taken from the
// sender. It is idempotent by the wallet's trade number: a repeated or replayed notification finds
// its trade recorded and changes nothing (one read, no write). In any order with queries and
// closes it means what qr-order-settle.ts says a payment means: the sale's while its order is open,
// refunded once the order has been closed.
import { isPosError, PosError } from '../pos-error.js';
import type { Wallet, WalletAcknowledgement, WalletNotification, WalletProvider } from './ports/wallet.js';
import type { EngineContext } from './engine-context.js';
import { isShownOrder, settleShownPaid, type PaidEffect } from './qr-order-settle.js';
import { inTransaction } from './unit-of-work.js';

/** What the notification did, and the body to acknowledge it with. */
export interface NotificationTaken {
  readonly acknowledgement: WalletAcknowledgement;
  readonly effect:
    | PaidEffect
    /** It verified and reports no payment (a refund, a failure): acknowledged, nothing recorded. */
    | 'not_a_payment'
    /** A scanned code's sale: the host polls those itself; acknowledged, nothing recorded. */
    | 'scanned_sale';
  /** The QR sale it named, when it named one. */
  readonly paymentId: string | null;
}

function providerOf(ctx: EngineContext, wallet: Wallet): WalletProvider {
  const provider = ctx.wallets[wallet];
  if (provider === undefined) {
    throw new PosError(
      'POS_ERR_WALLET_NOTIFICATION_INVALID',
      `invalid ${wallet} notification: this host has no ${wallet} provider to verify it with`,
      { details: { wallet } },
    );
  }
  return provider;
}

/** The provider's reading, or undefined for a verified notification that reports no payment. */
function read(
  provider: WalletProvider,
  raw: { readonly body: Buffer; readonly contentType: string },
): WalletNotification | undefined {
  try {
    return provider.readNotification(raw);
  } catch (error) {
    if (isPosError(error) && error.code === 'POS_ERR_WALLET_NOTIFICATION_NOT_A_PAYMENT') return undefined;
    throw error;
  }
}

/**
 * Verifies and takes a notification. Throws POS_ERR_WALLET_NOTIFICATION_INVALID (nothing is
 * believed or stored) or POS_ERR_WALLET_NOTIFICATION_UNKNOWN_ORDER; otherwise the caller answers
 * the wallet with the acknowledgement, so it stops repeating it.
 */
export async function takeWalletNotification(
  ctx: EngineContext,
  wallet: Wallet,
  raw: { readonly body: Buffer; readonly contentType: string },
): Promise<NotificationTaken> {
  const provider = providerOf(ctx, wallet);
  const { acknowledgement } = provider;
  const notification = read(provider, raw);
  if (notification === undefined) return { acknowledgement, effect: 'not_a_payment', paymentId: null };
  const { orderNo, paid } = notification;
  const sale = await ctx.store.read((reader) => reader.getPaymentByOrderNo(orderNo));
  if (sale?.qr === null || sale?.qr.wallet !== wallet) {
    throw new PosError(
      'POS_ERR_WALLET_NOTIFICATION_UNKNOWN_ORDER',
      `${wallet} notification for order ${orderNo}, which names no ${wallet} QR sale of this host`,
      { details: { wallet, orderNo } },
    );
  }
  if (!isShownOrder(sale)) return { acknowledgement, effect: 'scanned_sale', paymentId: sale.id };
  // The same trade again (a repeat, a replay, a notification after a query): a read, no write.
  if (sale.qr.tradeNo === paid.tradeNo)
    return { acknowledgement, effect: 'already_known', paymentId: sale.id };
  const { effect } = await inTransaction(ctx, (work) => settleShownPaid(ctx, work, sale.id, paid));
  return { acknowledgement, effect, paymentId: sale.id };
}
