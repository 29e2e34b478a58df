// The record a QR sale is first stored as, whether the terminal scanned the customer's code or
// showed its own (a QR order): pending, with its order number at the wallet and no card fields.
// Both flows (qr-sale.ts, qr-order-create.ts) build it here, so they never drift on what a pending
// QR sale holds; what differs (the code or the expiry) comes in `qr`.
import type { Currency } from '../money/money.js';
import type { Channel, PaymentRecord, QrDetails } from './payment.js';
import { orderNoFor } from './qr-order.js';

/** What the request says of the sale, and what its flow knows of the code before the wallet speaks. */
export interface PendingQrSaleFacts {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly idempotencyKey: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly operatorId: string | null;
  readonly reference: string | null;
  readonly channel: Channel;
  readonly stan: string | null;
  readonly batchNo: string | null;
  /** The cashier's confirmation of a second payment, kept for when the payment comes. */
  readonly duplicateConfirmed: boolean;
  readonly qr: Pick<QrDetails, 'wallet' | 'flow' | 'codeMasked' | 'codeFingerprint' | 'expiresAt'>;
}

/** The sale as first stored: pending, with its order number and no card fields. */
export function pendingQrSale(
  facts: PendingQrSaleFacts,
  at: { id: string; rrn: string; now: number },
): PaymentRecord & { readonly qr: QrDetails } {
  return {
    id: at.id,
    kind: 'sale',
    merchantId: facts.merchantId,
    terminalId: facts.terminalId,
    idempotencyKey: facts.idempotencyKey,
    status: 'pending',
    amount: facts.amount,
    currency: facts.currency,
    cardMasked: null,
    cardFingerprint: null,
    entryMode: null,
    operatorId: facts.operatorId,
    reference: facts.reference,
    rrn: at.rrn,
    authCode: null,
    responseCode: null,
    originalId: null,
    duplicateOf: null,
    duplicateConfirmed: facts.duplicateConfirmed,
    flaggedForReview: false,
    channel: facts.channel,
    stan: facts.stan,
    batchNo: facts.batchNo,
    reversalReason: null,
    qr: {
      ...facts.qr,
      orderNo: orderNoFor(facts.merchantId, facts.idempotencyKey),
      tradeNo: null,
      payerFingerprint: null,
      qrContent: null,
    },
    createdAt: at.now,
    updatedAt: at.now,
  };
}
