// The host's answer to a transaction query (field 63, `QRY;...`), as the terminal reads it: what
// `reprint` falls back on when its journal lacks the outcome of a transaction.
import { PosError } from '../pos-error.js';
import type { RecordState } from './journal.js';
import { transactionQueryMarker } from '../iso8583/index.js';

/** What the host said about a transaction in answer to a transaction query. */
export interface HostTransaction {
  readonly kind: string;
  readonly status: string;
  readonly responseCode: string | null;
  readonly amount: number;
  readonly rrn: string | null;
  readonly authCode: string | null;
  readonly batchNo: string | null;
  readonly stan: string | null;
  readonly cardMasked: string | null;
  readonly at: string | null;
  /** A QR sale's wallet and masked payment code (`w`, `q`); null for a card payment. */
  readonly wallet: string | null;
  readonly codeMasked: string | null;
}

/** Reads the host's answer to a transaction query (field 63, `QRY;k=...;s=...`). */
export function parseQueryAnswer(text: string): HostTransaction {
  const values = new Map<string, string>();
  for (const part of text.split(';').slice(1)) {
    const at = part.indexOf('=');
    if (at > 0) values.set(part.slice(0, at), part.slice(at + 1));
  }
  if (!text.startsWith(transactionQueryMarker) || !values.has('s') || !values.has('a')) {
    throw new PosError(
      'POS_ERR_TERMINAL_BAD_QUERY_ANSWER',
      `transaction query: expected field 63 as QRY;k=...;s=...;a=..., got ${text.length} characters without them`,
    );
  }
  const get = (key: string): string | null => values.get(key) ?? null;
  return {
    kind: get('k') ?? 'sale',
    status: get('s') ?? '',
    responseCode: get('rc'),
    amount: Number(get('a')),
    rrn: get('rrn'),
    authCode: get('ac'),
    batchNo: get('b'),
    stan: get('t'),
    cardMasked: get('c'),
    at: get('at'),
    wallet: get('w'),
    codeMasked: get('q'),
  };
}

/** A host payment status, as the terminal's record state of the operation itself. */
export function stateOfHostStatus(status: string): RecordState {
  switch (status) {
    case 'approved':
    case 'voided':
    case 'refunded':
    case 'partially_refunded':
      return 'approved';
    case 'reversal_pending':
    case 'reversed':
    case 'reversal_failed':
      return 'reversed';
    case 'pending':
      return 'sending';
    default:
      return 'declined';
  }
}
