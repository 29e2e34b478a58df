// `posguard verify`: checks a store's invariants and names every breach. It reads the whole
// journal and every payment in bounded pages, so it runs beside a live host.
//  - journal_chain: the hash chain is intact (no row edited, removed or reordered);
//  - journal_matches_payments: each payment's status is the last status its journal gave it (a
//    payment row edited outside posguard shows here);
//  - key_bound_once: no idempotency key is bound to two payments, and each key's record points at
//    the payment made under it;
//  - approved_once_upstream: no payment was approved by the upstream twice, no RRN used twice;
//  - refunds_within_captured: refunds of a sale never exceed it, and its status agrees with them;
//  - no_orphan_pending: nothing is left `pending` past the upstream timeout (a QR sale: past the
//    longest pay window a wallet may have), and every payment awaiting reversal has its reversal
//    queued;
//  - issuer_agrees (with an issuer ledger): every settled outcome matches what the card was charged
//    (QR sales are the wallets' to check, by reconciliation).
import type { IssuerLedger } from '../simulated-issuer/issuer-ledger.js';
import { netChargeOfSale } from '../simulated-issuer/issuer-ledger.js';
import {
  genesisHash,
  journalChains,
  journalRowBreach,
  type JournalHead,
} from '../payments/ports/journal-store.js';
import type { PaymentRecord, PaymentStatus } from '../payments/payment.js';
import { maxPayWindowMs } from '../payments/pending-horizon.js';
import type { Store } from '../payments/ports/store.js';

export type Invariant =
  | 'journal_chain'
  | 'journal_matches_payments'
  | 'key_bound_once'
  | 'approved_once_upstream'
  | 'refunds_within_captured'
  | 'no_orphan_pending'
  | 'issuer_agrees';

export interface Breach {
  readonly invariant: Invariant;
  readonly message: string;
  readonly paymentId: string | null;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly checked: { readonly journalRows: number; readonly payments: number; readonly requests: number };
  readonly breaches: readonly Breach[];
}

/** Page size of every scan; verify holds at most one page of rows at a time, plus per-payment facts. */
const pageSize = 1000;
/** At most this many breaches are listed; the count says if there were more. */
const maxListedBreaches = 1000;

export async function verifyStore(
  store: Store,
  options: {
    now: number;
    pendingCutoffMs: number;
    /** How long a QR sale may be polled; by default the cutoff plus the longest pay window allowed. */
    qrPendingCutoffMs?: number;
    issuerLedger?: IssuerLedger;
  },
): Promise<VerifyReport> {
  const breaches: Breach[] = [];
  const qrPendingCutoffMs = options.qrPendingCutoffMs ?? options.pendingCutoffMs + maxPayWindowMs;
  const breach = (invariant: Invariant, message: string, paymentId: string | null = null): void => {
    if (breaches.length < maxListedBreaches) breaches.push({ invariant, message, paymentId });
  };

  // The journal, chain by chain: links, last status per payment, upstream approvals per payment.
  // A payment's events all sit in its terminal's chain, in order.
  const lastStatus = new Map<string, PaymentStatus>();
  const approvals = new Map<string, number>();
  let journalRows = 0;
  for (let chain = 0; chain < journalChains; chain += 1) {
    let head: JournalHead = { seq: 0, hash: genesisHash };
    for (;;) {
      const rows = await store.read((reader) => reader.readJournal(chain, head.seq, pageSize));
      for (const row of rows) {
        const problem = journalRowBreach(head, row);
        if (problem !== undefined) breach('journal_chain', problem, row.paymentId);
        head = { seq: row.seq, hash: row.hash };
        journalRows += 1;
        if (row.paymentId !== null && row.toStatus !== null) lastStatus.set(row.paymentId, row.toStatus);
        if (row.paymentId !== null && row.event === 'upstream.approved') {
          approvals.set(row.paymentId, (approvals.get(row.paymentId) ?? 0) + 1);
        }
      }
      if (rows.length < pageSize) break;
    }
  }

  // Payments.
  const keys = new Map<string, string>();
  const rrns = new Map<string, string>();
  const refundsBySale = new Map<string, number>();
  const sales: PaymentRecord[] = [];
  let payments = 0;
  let afterId = '';
  for (;;) {
    const page = await store.read((reader) => reader.scanPayments(afterId, pageSize));
    for (const p of page) {
      payments += 1;
      afterId = p.id;
      const journaled = lastStatus.get(p.id);
      if (journaled !== p.status) {
        breach(
          'journal_matches_payments',
          `payment ${p.id} is ${p.status} but its journal says ${journaled ?? 'nothing'}: the row was changed outside posguard`,
          p.id,
        );
      }
      const keyId = `${p.merchantId}\u0000${p.idempotencyKey}`;
      const other = keys.get(keyId);
      if (other !== undefined) {
        breach(
          'key_bound_once',
          `key ${JSON.stringify(p.idempotencyKey)} of ${p.merchantId} is bound to ${other} and ${p.id}`,
          p.id,
        );
      } else {
        keys.set(keyId, p.id);
      }
      if (p.rrn !== null) {
        const sameRrn = rrns.get(p.rrn);
        if (sameRrn !== undefined)
          breach('approved_once_upstream', `RRN ${p.rrn} is used by ${sameRrn} and ${p.id}`, p.id);
        else rrns.set(p.rrn, p.id);
      }
      if ((approvals.get(p.id) ?? 0) > 1) {
        breach(
          'approved_once_upstream',
          `payment ${p.id} was approved by the upstream ${approvals.get(p.id)} times`,
          p.id,
        );
      }
      const cutoffMs = p.qr === null ? options.pendingCutoffMs : qrPendingCutoffMs;
      if (p.status === 'pending' && p.createdAt < options.now - cutoffMs) {
        breach(
          'no_orphan_pending',
          `payment ${p.id} is still pending past the upstream timeout and no reversal is queued`,
          p.id,
        );
      }
      if (p.status === 'reversal_pending' || p.status === 'reversal_failed') {
        const reversal = await store.read((reader) => reader.getReversal(p.id));
        const expected = p.status === 'reversal_pending' ? 'queued' : 'failed';
        if (reversal?.state !== expected) {
          breach(
            'no_orphan_pending',
            `payment ${p.id} is ${p.status} but its reversal is ${reversal?.state ?? 'missing'}`,
            p.id,
          );
        }
      }
      if (p.kind === 'refund' && p.status === 'approved' && p.originalId !== null) {
        refundsBySale.set(p.originalId, (refundsBySale.get(p.originalId) ?? 0) + p.amount);
      }
      if (p.kind === 'sale') sales.push(p);
    }
    if (page.length < pageSize) break;
  }

  for (const sale of sales) {
    const refunded = refundsBySale.get(sale.id) ?? 0;
    if (refunded > sale.amount) {
      breach(
        'refunds_within_captured',
        `sale ${sale.id} of ${sale.amount} fen has ${refunded} fen refunded`,
        sale.id,
      );
    }
    const expectedStatus =
      refunded === 0 ? null : refunded >= sale.amount ? 'refunded' : 'partially_refunded';
    if (expectedStatus !== null && sale.status !== expectedStatus) {
      breach(
        'refunds_within_captured',
        `sale ${sale.id} is ${sale.status} but ${refunded} of ${sale.amount} fen is refunded`,
        sale.id,
      );
    }
    if (options.issuerLedger !== undefined && sale.rrn !== null && sale.qr === null) {
      const expected = expectedCharge(sale, refunded);
      if (expected !== undefined) {
        const charged = netChargeOfSale(options.issuerLedger, sale.rrn);
        if (charged !== expected) {
          breach(
            'issuer_agrees',
            `sale ${sale.id} (RRN ${sale.rrn}) is ${sale.status}, so the card should be charged ${expected} fen, but the issuer charged ${charged}`,
            sale.id,
          );
        }
      }
    }
  }

  // Idempotency records: each points at the payment made under its key.
  let requests = 0;
  let after = { merchantId: '', idempotencyKey: '' };
  for (;;) {
    const page = await store.read((reader) => reader.scanRequests(after, pageSize));
    for (const r of page) {
      requests += 1;
      after = { merchantId: r.merchantId, idempotencyKey: r.idempotencyKey };
      if (r.operation !== 'sale' && r.operation !== 'void' && r.operation !== 'refund') continue;
      const bound = keys.get(`${r.merchantId}\u0000${r.idempotencyKey}`);
      if (bound !== undefined && r.paymentId !== bound) {
        breach(
          'key_bound_once',
          `key ${JSON.stringify(r.idempotencyKey)} of ${r.merchantId} records ${r.paymentId ?? 'no payment'} but payment ${bound} was made under it`,
          bound,
        );
      }
    }
    if (page.length < pageSize) break;
  }

  return { ok: breaches.length === 0, checked: { journalRows, payments, requests }, breaches };
}

/** What the card should have been charged for a sale in a settled state; undefined while unsettled. */
function expectedCharge(sale: PaymentRecord, refunded: number): number | undefined {
  switch (sale.status) {
    case 'approved':
    case 'partially_refunded':
    case 'refunded':
      return sale.amount - refunded;
    case 'declined':
    case 'reversed':
    case 'voided':
    case 'duplicate_suspected':
      return 0;
    default:
      return undefined;
  }
}
