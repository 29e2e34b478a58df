// The errors a provider's `readNotification` throws. The notification arrived over the public
// internet: until its signature verifies, nothing in it is believed, and the error says what was
// wrong without echoing the body (it may carry a buyer's id).
import { PosError } from '../../pos-error.js';
import type { Wallet } from '../../payments/ports/wallet.js';

/** The body is not the wallet's format, or its signature does not verify, or it is not for us. */
export function invalidNotification(wallet: Wallet, what: string): PosError {
  return new PosError('POS_ERR_WALLET_NOTIFICATION_INVALID', `invalid ${wallet} notification: ${what}`, {
    details: { wallet },
  });
}

/** A verified notification that reports no payment: the host acknowledges it and records nothing. */
export function notAPayment(wallet: Wallet, orderNo: string, status: string): PosError {
  return new PosError(
    'POS_ERR_WALLET_NOTIFICATION_NOT_A_PAYMENT',
    `${wallet} notification for order ${orderNo} reports ${status}, not a payment`,
    { details: { wallet, orderNo, status } },
  );
}

/** The largest notification body read: both wallets send a few hundred bytes. */
export const maxNotificationBytes = 64 * 1024;

/** The body as UTF-8 text, refusing invalid bytes rather than replacing them. */
export function notificationText(wallet: Wallet, body: Buffer): string {
  if (body.length > maxNotificationBytes) {
    throw invalidNotification(wallet, `the body is over ${maxNotificationBytes} bytes`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw invalidNotification(wallet, 'the body is not UTF-8');
  }
}
