// exceptions.csv, the list of exceptions people open in a spreadsheet: the v1 exception columns,
// RFC 4180 quoting, and text that a spreadsheet would run as a formula shown as text.
import type { FileHandle } from 'node:fs/promises';
import { csvCell } from '../read/csv-cell.js';
import type { ReconException } from '../match/exception-list.js';
import type { ReconciliationResult } from '../match/reconciliation-result.js';

export const exceptionColumns = [
  'kind',
  'cause',
  'action',
  'merchant_id',
  'terminal_id',
  'batch_no',
  'stan',
  'rrn',
  'related_rrn',
  'host_amount',
  'settled_amount',
  'detail',
] as const;

/**
 * A cell of exceptions.csv, which people open in a spreadsheet: text from another party's file
 * that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage
 * return) gets a leading apostrophe, so it shows as text (OWASP "CSV injection"). Real values
 * (RRNs, ids, amounts in fen, posguard's sentences) never start so and pass unchanged.
 */
export function reportCell(text: string): string {
  return csvCell(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
}

export function exceptionCsvLine(e: ReconException): string {
  return [
    e.kind,
    e.cause,
    e.action,
    e.merchantId,
    e.terminalId,
    e.batchNo,
    e.stan,
    e.rrn,
    e.relatedRrn,
    e.hostAmountMinor === null ? '' : String(e.hostAmountMinor),
    e.settledAmountMinor === null ? '' : String(e.settledAmountMinor),
    e.detail,
  ]
    .map(reportCell)
    .join(',');
}

/** Bytes gathered before each write of exceptions.csv. */
const writeChunkChars = 1024 * 1024;

/** Writes the header and every exception through `handle`, in chunks; does not close it. */
export async function writeExceptionsCsv(handle: FileHandle, result: ReconciliationResult): Promise<void> {
  let chunk = `${exceptionColumns.join(',')}\r\n`;
  for (const exception of result.exceptions) {
    chunk += `${exceptionCsvLine(exception)}\r\n`;
    if (chunk.length >= writeChunkChars) {
      await handle.write(chunk);
      chunk = '';
    }
  }
  await handle.write(chunk);
}
