// The journal port and its hash chain. Every state change is appended, in the same transaction as
// the change, as a row whose hash covers the previous row's hash and this row's content, so an
// edited, deleted or reordered row breaks the chain at that point and `posguard verify` names it.
// The chain rules live here, beside the port, because both sides need them: the store adapters
// chain the rows they append and the verifier checks them.
import { createHash } from 'node:crypto';
import type { PaymentStatus } from '../payment.js';

export interface JournalEvent {
  /** Which hash chain the event joins (see `chainOf`: the terminal's chain). */
  readonly chain: number;
  readonly at: number;
  readonly paymentId: string | null;
  /** What happened, e.g. `payment.created`, `payment.status`, `merchant.created`. */
  readonly event: string;
  readonly fromStatus: PaymentStatus | null;
  readonly toStatus: PaymentStatus | null;
  /** Extra facts as JSON; never card data. */
  readonly data: string;
}

export interface JournalRow extends JournalEvent {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface JournalReader {
  /** Rows of one journal chain with seq > afterSeq, in order. */
  readJournal(chain: number, afterSeq: number, limit: number): Promise<JournalRow[]>;
}

export interface JournalWriter {
  /**
   * Appends to the hash-chained journal in this transaction. Nothing is returned, so a store may
   * send the row with its next statement or the commit rather than wait for it.
   */
  appendJournal(event: JournalEvent): Promise<void>;
}

export const genesisHash = '0'.repeat(64);

/**
 * The journal is split into this many hash chains, each with its own head, so that hosts writing
 * for different terminals never wait on one lock. A payment's events all go to its terminal's chain,
 * so each chain keeps them in order.
 */
export const journalChains = 16;

/** The chain of a merchant's terminal (or of the merchant itself): FNV-1a of the ids. */
export function chainOf(merchantId: string, terminalId: string | null): number {
  let hash = 0x811c9dc5;
  const text = `${merchantId}\u0000${terminalId ?? ''}`;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % journalChains;
}

export interface JournalHead {
  readonly seq: number;
  readonly hash: string;
}

function rowHash(seq: number, prevHash: string, event: JournalEvent): string {
  // A unit separator between fields keeps one field's text from posing as the next.
  const content = [
    event.chain,
    seq,
    prevHash,
    event.at,
    event.paymentId ?? '',
    event.event,
    event.fromStatus ?? '',
    event.toStatus ?? '',
    event.data,
  ].join('\u001f');
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

export function chainJournalRow(head: JournalHead, event: JournalEvent): JournalRow {
  const seq = head.seq + 1;
  return { ...event, seq, prevHash: head.hash, hash: rowHash(seq, head.hash, event) };
}

/** Why a journal row does not follow `head`, or undefined when it does. */
export function journalRowBreach(head: JournalHead, row: JournalRow): string | undefined {
  const at = `journal chain ${row.chain} row ${row.seq}`;
  if (row.seq !== head.seq + 1) return `${at} follows row ${head.seq}: a row is missing`;
  if (row.prevHash !== head.hash) return `${at} does not point at the hash of row ${head.seq}`;
  if (row.hash !== rowHash(row.seq, row.prevHash, row)) return `${at} was altered: its hash does not match`;
  return undefined;
}
