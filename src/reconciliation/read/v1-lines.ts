// Writes typed rows as v1 CSV lines (the inverse of the readers): used by the day generator, by
// tests, and ready for `posguard export` to write the host journal.
import { hostJournalColumns, hostJournalQrColumns } from './host-journal-reader.js';
import { csvCell } from './csv-cell.js';
import type { HostRow, SettlementRow, TerminalRow } from '../tables/rows.js';
import { settlementFileColumns } from './settlement-file-reader.js';
import { terminalJournalColumns } from './terminal-journal-reader.js';

export const hostJournalHeader = [...hostJournalColumns, ...hostJournalQrColumns].join(',');
export const terminalJournalHeader = terminalJournalColumns.join(',');
export const settlementFileHeader = settlementFileColumns.join(',');

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Formats epoch ms as local ISO 8601 with its offset: `2026-11-25T14:03:07+08:00` for +480. */
export function formatIsoTime(epochMs: number, offsetMinutes: number): string {
  const local = new Date(epochMs + offsetMinutes * 60_000);
  const millis = local.getUTCMilliseconds();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = Math.abs(offsetMinutes);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}` +
    `T${pad(local.getUTCHours(), 2)}:${pad(local.getUTCMinutes(), 2)}:${pad(local.getUTCSeconds(), 2)}` +
    `${millis === 0 ? '' : `.${pad(millis, 3)}`}${sign}${pad(Math.floor(offset / 60), 2)}:${pad(offset % 60, 2)}`
  );
}

const time = (ms: number | null, offsetMinutes: number): string =>
  ms === null ? '' : formatIsoTime(ms, offsetMinutes);
const amount = (fen: number | null): string => (fen === null ? '' : String(fen));

export function hostJournalLine(row: HostRow, offsetMinutes = 480): string {
  return [
    row.merchantId,
    row.terminalId,
    row.batchNo,
    row.stan,
    row.rrn,
    row.authCode,
    time(row.txnTimeMs, offsetMinutes),
    row.txnType,
    row.status,
    String(row.amountMinor),
    row.currency,
    row.cardMasked,
    row.cardFingerprint,
    row.entryMode ?? '',
    row.operatorId,
    String(row.duplicateConfirmed),
    row.originalRrn,
    ...qrCells(row),
  ]
    .map(csvCell)
    .join(',');
}

/** The QR columns: `card` and four empty cells for a card payment. */
function qrCells(row: HostRow): string[] {
  const qr = row.qr ?? null;
  if (qr === null) return ['card', '', '', '', ''];
  return ['qr', qr.wallet, qr.orderNo, qr.tradeNo, qr.payerFingerprint];
}

export function terminalJournalLine(row: TerminalRow, offsetMinutes = 480): string {
  return [
    row.merchantId,
    row.terminalId,
    row.batchNo,
    row.stan,
    row.rrn,
    row.authCode,
    time(row.txnTimeMs, offsetMinutes),
    row.txnType,
    row.result,
    amount(row.amountMinor),
    row.cardMasked,
  ]
    .map(csvCell)
    .join(',');
}

export function settlementFileLine(row: SettlementRow, offsetMinutes = 480): string {
  return [
    row.settlementDate,
    row.merchantId,
    row.terminalId,
    row.batchNo,
    row.stan,
    row.rrn,
    row.authCode,
    time(row.txnTimeMs, offsetMinutes),
    row.txnType,
    String(row.amountMinor),
    amount(row.feeMinor),
    row.currency,
    row.cardMasked,
  ]
    .map(csvCell)
    .join(',');
}
