// How long a payment may stay `pending` on a live host: the host always moves it on by then, so
// one still pending later (plus a grace) belongs to a host that stopped mid-call. A card sale waits
// at most the upstream timeout; a QR sale is polled for its wallet's whole pay window, so a
// reversal or recovery before that would cancel a sale under the cashier's feet.
import type { EngineContext } from './engine-context.js';
import type { PaymentRecord } from './payment.js';

/**
 * The longest pay window a wallet provider may ask for (the engine refuses a longer one). WeChat
 * Pay's 付款码 guide and Alipay's face-to-face demo both poll for about 30 seconds before they
 * cancel; twice that is as long as a cashier and an HTTP connection are asked to wait. It bounds
 * how long `posguard verify` lets a QR sale be pending and how long an HTTP connection may be
 * silent (config.ts), without either knowing the wallets' settings.
 */
export const maxPayWindowMs = 60_000;

/** The longest any QR sale stays pending on this host: the longest pay window of its wallets. */
export function qrHorizonMs(ctx: EngineContext): number {
  return Math.max(
    ctx.settings.upstreamTimeoutMs,
    ...Object.values(ctx.wallets).map((provider) => provider.timing.payWindowMs),
  );
}

/**
 * How long after its creation this payment may still be pending on a live host. A code the
 * terminal shows waits for its customer until its order expires (the expiry sweep closes it then).
 */
export function pendingHorizonMs(
  ctx: EngineContext,
  payment: Pick<PaymentRecord, 'qr' | 'createdAt'>,
): number {
  if (payment.qr === null) return ctx.settings.upstreamTimeoutMs;
  if (payment.qr.expiresAt !== null) return payment.qr.expiresAt - payment.createdAt;
  return ctx.wallets[payment.qr.wallet]?.timing.payWindowMs ?? qrHorizonMs(ctx);
}
