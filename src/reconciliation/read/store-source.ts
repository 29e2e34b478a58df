// The host journal read straight from posguard's store, as the reconciliation engine's HostRows:
// what `posguard export` writes and what `posguard reconcile --db` reads. Payments are scanned in
// bounded pages. What the v1 format has no status for is left out and counted: a sale never sent
// upstream (a held or blocked duplicate), and anything still in flight (`pending`). A sale whose
// reversal is queued or failed is exported as `reversed`, the host's intent: if the acquirer settled
// it anyway, reconciliation reports it as reversed_but_settled, to be refunded. A QR sale carries its
// wallet, order number, trade number and payer fingerprint, so a wallet's bill finds it; a QR sale
// held as a suspected duplicate was charged (the payer is known only then) and is being cancelled,
// so it is exported as reversed too: its bill shows the charge and the refund.
import type { PaymentRecord } from '../../payments/payment.js';
import type { Store } from '../../payments/ports/store.js';
import type { HostRow, HostStatus } from '../tables/rows.js';

/** Rows read from the store per page. */
const pageSize = 2000;

export interface StoreExportCounts {
  exported: number;
  /** Left out: held or blocked duplicates never sent upstream, and payments still pending. */
  skipped: number;
}

export function exportedStatus(payment: PaymentRecord): HostStatus | undefined {
  switch (payment.status) {
    case 'pending':
      return undefined;
    case 'duplicate_suspected':
      return payment.qr !== null && payment.qr.tradeNo !== null ? 'reversed' : undefined;
    case 'reversal_pending':
    case 'reversal_failed':
    case 'reversed':
      // A void or refund undone never took effect: as if declined.
      return payment.kind === 'sale' ? 'reversed' : 'declined';
    default:
      return payment.status;
  }
}

/** HostRows of every payment created in [fromMs, toMs), oldest id first. */
export async function* hostRowsFromStore(
  store: Store,
  options: { fromMs?: number; toMs?: number; counts?: StoreExportCounts } = {},
): AsyncGenerator<HostRow> {
  const rrnOf = new Map<string, string>();
  let afterId = '';
  for (;;) {
    const page = await store.read((reader) => reader.scanPayments(afterId, pageSize));
    for (const payment of page) {
      afterId = payment.id;
      if (payment.kind === 'sale' && payment.rrn !== null) rrnOf.set(payment.id, payment.rrn);
      if (options.fromMs !== undefined && payment.createdAt < options.fromMs) continue;
      if (options.toMs !== undefined && payment.createdAt >= options.toMs) continue;
      const status = exportedStatus(payment);
      if (status === undefined) {
        if (options.counts !== undefined) options.counts.skipped += 1;
        continue;
      }
      let originalRrn = '';
      if (payment.originalId !== null) {
        originalRrn =
          rrnOf.get(payment.originalId) ??
          (await store.read((reader) => reader.getPayment(payment.originalId ?? '')))?.rrn ??
          '';
      }
      if (options.counts !== undefined) options.counts.exported += 1;
      yield {
        merchantId: payment.merchantId,
        terminalId: payment.terminalId,
        batchNo: payment.batchNo ?? '',
        stan: payment.stan ?? '',
        rrn: payment.rrn ?? '',
        authCode: payment.authCode ?? '',
        txnTimeMs: payment.createdAt,
        txnType: payment.kind,
        status,
        amountMinor: payment.amount,
        currency: payment.currency,
        cardMasked: payment.cardMasked ?? '',
        cardFingerprint: payment.cardFingerprint ?? '',
        entryMode: payment.entryMode,
        operatorId: payment.operatorId ?? '',
        duplicateConfirmed: payment.duplicateConfirmed,
        originalRrn,
        qr:
          payment.qr === null
            ? null
            : {
                wallet: payment.qr.wallet,
                orderNo: payment.qr.orderNo,
                tradeNo: payment.qr.tradeNo ?? '',
                payerFingerprint: payment.qr.payerFingerprint ?? '',
              },
      };
    }
    if (page.length < pageSize) return;
  }
}
