// A payment's whole story for the dashboard and the evidence pack (issue 15): the payment, its voids
// and refunds, its reversal, every journal row of any of them, and the duplicate records naming it.
// Scoped to the merchant: another merchant's payment is not found, whichever id or RRN is given.
import { describeValue, PosError } from '../pos-error.js';
import type { DuplicateRecord } from '../payments/ports/duplicate-store.js';
import type { JournalRow } from '../payments/ports/journal-store.js';
import type { ReversalRecord } from '../payments/ports/reversal-store.js';
import type { MerchantScope } from '../payments/ports/insight-store.js';
import type { StoreReader } from '../payments/ports/store.js';
import { paymentStatuses, type PaymentRecord } from '../payments/payment.js';

/** The most journal rows one history shows: a payment's life is a handful; its children add a few each. */
export const maxJournalRows = 500;

export interface PaymentHistory {
  readonly payment: PaymentRecord;
  readonly children: PaymentRecord[];
  readonly reversals: ReversalRecord[];
  readonly journal: JournalRow[];
  readonly duplicates: DuplicateRecord[];
}

export interface HistoryReads {
  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T>;
}

/**
 * A payment of the merchant named by its id or its RRN (12 digits), or the not-found error; with
 * merchantId null (acquirer operations), a payment of any merchant.
 */
export async function findMerchantPayment(
  reader: StoreReader,
  merchantId: MerchantScope,
  idOrRrn: string,
): Promise<PaymentRecord> {
  const payment = /^[0-9]{12}$/.test(idOrRrn)
    ? await reader.getPaymentByRrn(idOrRrn)
    : await reader.getPayment(idOrRrn);
  if (payment === undefined || (merchantId !== null && payment.merchantId !== merchantId)) {
    // Described, not quoted: what was typed may be anything, a card number included.
    throw new PosError(
      'POS_ERR_PAYMENT_NOT_FOUND',
      `no payment ${describeValue(idOrRrn)} for this merchant`,
      {
        details: { paymentId: describeValue(idOrRrn) },
      },
    );
  }
  return payment;
}

export async function paymentHistory(
  store: HistoryReads,
  merchantId: MerchantScope,
  idOrRrn: string,
): Promise<PaymentHistory> {
  return store.read(async (reader) => {
    const payment = await findMerchantPayment(reader, merchantId, idOrRrn);
    const children = payment.kind === 'sale' ? await reader.listChildren(payment.id, paymentStatuses) : [];
    const ids = [payment.id, ...children.map((c) => c.id)];
    const reversals: ReversalRecord[] = [];
    for (const id of ids) {
      const reversal = await reader.getReversal(id);
      if (reversal !== undefined) reversals.push(reversal);
    }
    return {
      payment,
      children,
      reversals,
      journal: await reader.readPaymentJournal(ids, maxJournalRows),
      duplicates: await reader.listDuplicatesOfPayments(payment.merchantId, [payment.id]),
    };
  });
}
