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
//    longest pay window a wallet may have; a code the terminal shows: past its expiry), and every
//    payment awaiting reversal has its reversal queued;
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

/** Records a breach (the first `maxListedBreaches` are kept). */
type Report = (invariant: Invariant, message: string, paymentId?: string | null) => void;

/** What the journal says of each payment: its last status and how many upstream approvals it had. */
interface JournalFacts {
  readonly lastStatus: ReadonlyMap<string, PaymentStatus>;
  readonly approvals: ReadonlyMap<string, number>;
  readonly rows: number;
}

/** What the payment scan gathers for the checks after it. */
interface PaymentFacts {
  /** The payment made under each merchant's idempotency key (`merchantId NUL key`). */
  readonly keys: Map<string, string>;
  readonly rrns: Map<string, string>;
  /** Approved refunds per sale id, in fen. */
  readonly refundsBySale: Map<string, number>;
  readonly sales: PaymentRecord[];
  count: number;
}

interface VerifyOptions {
  now: number;
  pendingCutoffMs: number;
  /** How long a QR sale may be polled; by default the cutoff plus the longest pay window allowed. */
  qrPendingCutoffMs?: number;
  issuerLedger?: IssuerLedger;
}

export async function verifyStore(store: Store, options: VerifyOptions): Promise<VerifyReport> {
  const breaches: Breach[] = [];
  const breach: Report = (invariant, message, paymentId = null) => {
    if (breaches.length < maxListedBreaches) breaches.push({ invariant, message, paymentId });
  };
  const journal = await checkJournal(store, breach);
  const payments = await checkPayments(store, journal, options, breach);
  checkSales(payments, options.issuerLedger, breach);
  const requests = await checkRequests(store, payments.keys, breach);
  return {
    ok: breaches.length === 0,
    checked: { journalRows: journal.rows, payments: payments.count, requests },
    breaches,
  };
}

/**
 * The journal, chain by chain: links, last status per payment, upstream approvals per payment.
 * A payment's events all sit in its terminal's chain, in order.
 */
async function checkJournal(store: Store, breach: Report): Promise<JournalFacts> {
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
  return { lastStatus, approvals, rows: journalRows };
}

/** Every payment, page by page, checked against its journal and the payments before it. */
async function checkPayments(
  store: Store,
  journal: JournalFacts,
  options: VerifyOptions,
  breach: Report,
): Promise<PaymentFacts> {
  const facts: PaymentFacts = {
    keys: new Map(),
    rrns: new Map(),
    refundsBySale: new Map(),
    sales: [],
    count: 0,
  };
  let afterId = '';
  for (;;) {
    const page = await store.read((reader) => reader.scanPayments(afterId, pageSize));
    for (const p of page) {
      facts.count += 1;
      afterId = p.id;
      const journaled = journal.lastStatus.get(p.id);
      if (journaled !== p.status) {
        breach(
          'journal_matches_payments',
          `payment ${p.id} is ${p.status} but its journal says ${journaled ?? 'nothing'}: the row was changed outside posguard`,
          p.id,
        );
      }
      checkBoundOnce(p, journal, facts, breach);
      await checkNotStuck(store, p, options, breach);
      if (p.kind === 'refund' && p.status === 'approved' && p.originalId !== null) {
        facts.refundsBySale.set(p.originalId, (facts.refundsBySale.get(p.originalId) ?? 0) + p.amount);
      }
      if (p.kind === 'sale') facts.sales.push(p);
    }
    if (page.length < pageSize) break;
  }
  return facts;
}

/** One payment per idempotency key, one per RRN, and at most one upstream approval each. */
function checkBoundOnce(p: PaymentRecord, journal: JournalFacts, facts: PaymentFacts, breach: Report): void {
  const keyId = `${p.merchantId}\u0000${p.idempotencyKey}`;
  const other = facts.keys.get(keyId);
  if (other !== undefined) {
    breach(
      'key_bound_once',
      `key ${JSON.stringify(p.idempotencyKey)} of ${p.merchantId} is bound to ${other} and ${p.id}`,
      p.id,
    );
  } else {
    facts.keys.set(keyId, p.id);
  }
  if (p.rrn !== null) {
    const sameRrn = facts.rrns.get(p.rrn);
    if (sameRrn !== undefined)
      breach('approved_once_upstream', `RRN ${p.rrn} is used by ${sameRrn} and ${p.id}`, p.id);
    else facts.rrns.set(p.rrn, p.id);
  }
  if ((journal.approvals.get(p.id) ?? 0) > 1) {
    breach(
      'approved_once_upstream',
      `payment ${p.id} was approved by the upstream ${journal.approvals.get(p.id)} times`,
      p.id,
    );
  }
}

/** Nothing pending past the upstream timeout; a payment awaiting reversal has it queued (or failed). */
async function checkNotStuck(
  store: Store,
  p: PaymentRecord,
  options: VerifyOptions,
  breach: Report,
): Promise<void> {
  // A code the terminal shows waits for its customer until it expires; the sweep closes it then.
  const cutoffMs =
    p.qr === null
      ? options.pendingCutoffMs
      : p.qr.expiresAt !== null
        ? p.qr.expiresAt - p.createdAt + options.pendingCutoffMs
        : (options.qrPendingCutoffMs ?? options.pendingCutoffMs + maxPayWindowMs);
  // A void or refund of a QR sale stays pending while its refund is unsettled at the wallet: its
  // follow-up in the reversal queue (queued, or failed for manual action) is what keeps it moving.
  const followed =
    p.kind !== 'sale' && p.qr !== null && p.status === 'pending'
      ? (await store.read((reader) => reader.getReversal(p.id)))?.state
      : undefined;
  if (followed === 'queued' || followed === 'failed') return;
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
}

/** Refunds within each sale and its status agreeing with them; with a ledger, the card's charge too. */
function checkSales(facts: PaymentFacts, issuerLedger: IssuerLedger | undefined, breach: Report): void {
  for (const sale of facts.sales) {
    const refunded = facts.refundsBySale.get(sale.id) ?? 0;
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
    if (issuerLedger !== undefined && sale.rrn !== null && sale.qr === null) {
      const expected = expectedCharge(sale, refunded);
      if (expected !== undefined) {
        const charged = netChargeOfSale(issuerLedger, sale.rrn);
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
}

/** Idempotency records: each points at the payment made under its key. Answers how many were read. */
async function checkRequests(
  store: Store,
  keys: ReadonlyMap<string, string>,
  breach: Report,
): Promise<number> {
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
  return requests;
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
