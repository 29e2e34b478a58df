// The simulated issuer's books: one entry per RRN it has seen, which is the ground truth of what
// each cardholder was charged. Tests, `posguard verify --issuer-ledger` and the simulator read it
// to prove that no card was charged twice. The in-memory ledger serves tests and the simulator;
// `sqlite-issuer-ledger.ts` keeps one durably for `posguard serve`.
import type { PaymentKind } from '../payments/payment.js';

export type LedgerState = 'posted' | 'declined' | 'reversed' | 'tombstone';

export interface LedgerEntry {
  readonly rrn: string;
  readonly kind: PaymentKind;
  /** The issuer's own identity for the card (a hash of the number), or null for a tombstone. */
  readonly cardId: string | null;
  readonly originalRrn: string | null;
  readonly amount: number;
  readonly state: LedgerState;
  /** How many times the entry was posted: 2 when the issuer double posted it. */
  readonly postings: number;
  readonly authCode: string | null;
  readonly responseCode: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly at: number;
}

export interface IssuerLedger {
  get(rrn: string): LedgerEntry | undefined;
  put(entry: LedgerEntry): void;
  entries(): Iterable<LedgerEntry>;
  /**
   * Settles once every entry put so far is committed, for a ledger that commits postings together
   * after `put` returns; the issuer answers only then. Absent where `put` is final (in memory).
   */
  committed?(): Promise<void>;
}

export class MemoryIssuerLedger implements IssuerLedger {
  readonly #entries = new Map<string, LedgerEntry>();

  get(rrn: string): LedgerEntry | undefined {
    return this.#entries.get(rrn);
  }

  put(entry: LedgerEntry): void {
    this.#entries.set(entry.rrn, entry);
  }

  entries(): Iterable<LedgerEntry> {
    return this.#entries.values();
  }
}

/**
 * What each card was charged, net, in minor units: posted sales (times their postings), less
 * posted voids and refunds. A void cancels one posting of its sale; a double posting stays charged
 * until it is refunded.
 */
export function netChargesByCard(ledger: IssuerLedger): Map<string, number> {
  const net = new Map<string, number>();
  for (const entry of ledger.entries()) {
    if (entry.state !== 'posted' || entry.cardId === null) continue;
    const signed = entry.kind === 'sale' ? entry.amount * entry.postings : -entry.amount * entry.postings;
    net.set(entry.cardId, (net.get(entry.cardId) ?? 0) + signed);
  }
  return net;
}

/** Net charge of one RRN's sale, counting voids and refunds that act on it. */
export function netChargeOfSale(ledger: IssuerLedger, rrn: string): number {
  const sale = ledger.get(rrn);
  if (sale?.state !== 'posted') return 0;
  let net = sale.amount * sale.postings;
  for (const entry of ledger.entries()) {
    if (entry.originalRrn === rrn && entry.state === 'posted') net -= entry.amount * entry.postings;
  }
  return net;
}
