// What a payment is: the record the host keeps for every money-moving operation (a sale, a void,
// a refund) and the values its fields take. Card data appears only masked and fingerprinted, and
// so does a wallet's payment code.
import type { Currency } from '../money/money.js';
import type { Wallet } from './ports/wallet.js';

export const paymentKinds = ['sale', 'void', 'refund'] as const;
export type PaymentKind = (typeof paymentKinds)[number];

export const paymentStatuses = [
  'pending',
  'approved',
  'declined',
  'reversal_pending',
  'reversed',
  'reversal_failed',
  'voided',
  'refunded',
  'partially_refunded',
  'duplicate_suspected',
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

export const entryModes = ['chip', 'swipe', 'contactless', 'manual'] as const;
export type EntryMode = (typeof entryModes)[number];

export const duplicatePolicies = ['confirm', 'block', 'flag', 'off'] as const;
export type DuplicatePolicy = (typeof duplicatePolicies)[number];

export const reversalReasons = ['timeout', 'mac_error', 'terminal_failure', 'other'] as const;
export type ReversalReason = (typeof reversalReasons)[number];

export type Channel = 'http' | 'iso';

/** How the customer paid: a card, or a wallet's payment code the cashier scanned (issue 20). */
export const paymentMethods = ['card', 'qr'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

/**
 * How a QR sale is paid: `scanned`, the cashier scans the customer's payment code (付款码,
 * customer-presented); `shown`, the terminal shows a code of the wallet's that the customer scans
 * and pays in the app (merchant-presented, a dynamic code, docs/qr.md "Codes the terminal shows").
 */
export const qrFlows = ['scanned', 'shown'] as const;
export type QrFlow = (typeof qrFlows)[number];

/** What a QR sale keeps beyond a card sale's fields (its card fields are null). */
export interface QrDetails {
  readonly wallet: Wallet;
  readonly flow: QrFlow;
  /**
   * The payment code as stars and its last four digits; the code itself is never kept. Null for a
   * shown code: the customer scanned the terminal's code and showed none.
   */
  readonly codeMasked: string | null;
  /** Keyed fingerprint of the payment code (cards/payment-code.ts); null for a shown code. */
  readonly codeFingerprint: string | null;
  /**
   * The merchant order number every call to the wallet names, derived from the merchant and the
   * idempotency key (qr-order.ts), so the wallet never sees this sale under two numbers.
   */
  readonly orderNo: string;
  /** The wallet's own trade number, once it says it charged. */
  readonly tradeNo: string | null;
  /** Keyed fingerprint of the payer's id in the wallet, once it says who paid. */
  readonly payerFingerprint: string | null;
  /**
   * A shown code: what the terminal shows as a QR code (the wallet's URL), once the wallet has
   * created it; null for a scanned code.
   */
  readonly qrContent: string | null;
  /** A shown code: when its order expires (epoch ms), after which it is closed; null when scanned. */
  readonly expiresAt: number | null;
}

export interface PaymentRecord {
  readonly id: string;
  readonly kind: PaymentKind;
  readonly merchantId: string;
  readonly terminalId: string;
  /** The idempotency key of the request that created this payment. */
  readonly idempotencyKey: string;
  readonly status: PaymentStatus;
  readonly amount: number;
  readonly currency: Currency;
  readonly cardMasked: string | null;
  readonly cardFingerprint: string | null;
  readonly entryMode: EntryMode | null;
  readonly operatorId: string | null;
  readonly reference: string | null;
  /** Null only for a sale never sent upstream (a suspected duplicate, an expired card). */
  readonly rrn: string | null;
  readonly authCode: string | null;
  readonly responseCode: string | null;
  /** For voids and refunds: the sale they act on. */
  readonly originalId: string | null;
  readonly duplicateOf: string | null;
  readonly duplicateConfirmed: boolean;
  readonly flaggedForReview: boolean;
  readonly channel: Channel;
  readonly stan: string | null;
  readonly batchNo: string | null;
  readonly reversalReason: ReversalReason | null;
  /**
   * Null for a card payment. A void or refund of a QR sale has its sale's wallet, masked code, order
   * and trade numbers (no fingerprints, flow `scanned`): it is a refund at that wallet.
   */
  readonly qr: QrDetails | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export function methodOf(payment: { readonly qr: object | null }): PaymentMethod {
  return payment.qr === null ? 'card' : 'qr';
}

export interface MerchantRecord {
  readonly id: string;
  readonly name: string;
  readonly apiKeyHash: string;
  readonly duplicatePolicy: DuplicatePolicy;
  readonly duplicateWindowS: number;
  readonly createdAt: number;
}

export interface TerminalRecord {
  readonly merchantId: string;
  readonly terminalId: string;
  /** Terminal keys, encrypted under the host's key-encryption key; never in clear. */
  readonly tmkEncrypted: string | null;
  readonly pinKeyEncrypted: string | null;
  readonly macKeyEncrypted: string | null;
  readonly keyMode: string | null;
  readonly keysIssuedAt: number | null;
  /** Keys a sign-in issued that no request MACed under them has adopted yet (issue 13). */
  readonly pendingPinKeyEncrypted: string | null;
  readonly pendingMacKeyEncrypted: string | null;
  readonly pendingKeyMode: string | null;
  readonly pendingKeysIssuedAt: number | null;
  readonly batchNo: string;
  readonly signedIn: boolean;
  readonly createdAt: number;
}

/** Response codes (CUP field 39 values) the host itself assigns. */
export const hostResponseCodes = {
  approved: '00',
  duplicateTransmission: '94',
  expiredCard: '54',
  issuerTimeout: '98',
  issuerUnavailable: '91',
  systemFault: '96',
} as const;

/**
 * What the engine answers about a payment: the record as any client may see it (no fingerprint,
 * no channel), with the engine's own words for its status. Times are epoch milliseconds; each door
 * writes them its own way (ISO 8601 in JSON, local date and time in ISO 8583 fields 12 and 13).
 */
export interface PaymentView {
  readonly id: string;
  readonly kind: PaymentKind;
  readonly status: PaymentStatus;
  readonly responseCode: string | null;
  readonly message: string;
  readonly rrn: string | null;
  readonly authCode: string | null;
  readonly amount: number;
  readonly currency: Currency;
  readonly cardMasked: string | null;
  readonly terminalId: string;
  readonly duplicateOf: string | null;
  readonly duplicateConfirmed: boolean;
  readonly flaggedForReview: boolean;
  readonly originalId: string | null;
  readonly operatorId: string | null;
  readonly reference: string | null;
  readonly stan: string | null;
  readonly batchNo: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /**
   * A QR sale's wallet and masked payment code (null for a shown code); null for a card payment.
   * `shown` is a code the terminal shows: its content while it may still be paid (null once the
   * order is paid or closed) and when it expires; null for a scanned code.
   */
  readonly qr: {
    readonly wallet: Wallet;
    readonly codeMasked: string | null;
    readonly shown: { readonly qrContent: string | null; readonly expiresAt: number } | null;
  } | null;
}

/**
 * Where a reversal request stands once answered: queued, done, not needed (the payment never
 * charged), or tombstoned (the original has not arrived). Not the state of a queued reversal's
 * entry (`ReversalState` in ports/reversal-store.ts), nor a payment's status.
 */
export const reversalOutcomes = ['queued', 'done', 'not_needed', 'tombstoned'] as const;
export type ReversalOutcome = (typeof reversalOutcomes)[number];

export interface ReversalView {
  readonly reversal: { readonly state: ReversalOutcome; readonly reason: ReversalReason };
  readonly payment: PaymentView | null;
}

/**
 * The engine's answer to a request, kept under its idempotency key and given again, unchanged, to
 * a repeat of the request: a payment (sale, void, refund) or a reversal.
 */
export type EngineAnswer =
  | { readonly kind: 'payment'; readonly view: PaymentView }
  | { readonly kind: 'reversal'; readonly view: ReversalView };
