// Reads the v1 host journal (posguard's own record, as `posguard export` writes it) into a host
// table. Columns: see `hostJournalColumns`; statuses, entry modes and booleans are checked word by
// word, amounts are whole fen, times ISO 8601 with an offset.
import { estimatedRows, readCsvTable, wordsOf, type TableReadOptions } from './csv-table-reader.js';
import { entryModes } from '../../payments/payment.js';
import { hostStatuses, txnTypes } from '../tables/rows.js';
import { hashFingerprint, hostFlags, newHostTable, type HostTable } from '../tables/tables.js';
import { narrowDigits, wideDigits } from '../tables/text-dictionary.js';

/** A v1 line is about this long (fields of their usual widths), for presizing the table. */
const typicalRowBytes = 200;

export const hostJournalColumns = [
  'merchant_id',
  'terminal_id',
  'batch_no',
  'stan',
  'rrn',
  'auth_code',
  'txn_time',
  'txn_type',
  'status',
  'amount',
  'currency',
  'card_masked',
  'card_fingerprint',
  'entry_mode',
  'operator_id',
  'duplicate_confirmed',
  'original_rrn',
] as const;

const typeWords = wordsOf(txnTypes);
const statusWords = wordsOf(hostStatuses);
const entryModeWords = wordsOf(entryModes);
const booleans = ['false', 'true'] as const;
const booleanWords = wordsOf(booleans);
const saleType = txnTypes.indexOf('sale');
const approvedOrDeclined = [hostStatuses.indexOf('approved'), hostStatuses.indexOf('declined')];

export async function readHostJournal(
  options: TableReadOptions & { readonly table?: HostTable },
): Promise<HostTable> {
  const table = options.table ?? newHostTable(options.file, await estimatedRows(options, typicalRowBytes));
  const fingerprint = new Int32Array(2);
  await readCsvTable(options, hostJournalColumns, (at) => ({
    row(record, cells) {
      const row = table.add();
      const c = table.c;
      cells.keys(at, c, row);
      c.originalRrn[row] = cells.key(at.original_rrn, wideDigits);
      c.time[row] = cells.time(at.txn_time);
      const txnType = cells.word(at.txn_type, typeWords, txnTypes);
      c.txnType[row] = txnType;
      const status = cells.word(at.status, statusWords, hostStatuses);
      if (txnType !== saleType && !approvedOrDeclined.includes(status)) {
        throw cells.fail(
          'POS_ERR_RECON_BAD_VALUE',
          at.status,
          `approved or declined for a ${txnTypes[txnType]}`,
        );
      }
      c.status[row] = status;
      c.amount[row] = cells.fen(at.amount);
      c.currency[row] = cells.key(at.currency, narrowDigits);
      let flags = 0;
      if (!record.isEmpty(at.card_fingerprint)) {
        hashFingerprint(
          record.buffer,
          record.starts[at.card_fingerprint]!,
          record.ends[at.card_fingerprint]!,
          fingerprint,
        );
        c.fingerprintHigh[row] = fingerprint[0]!;
        c.fingerprintLow[row] = fingerprint[1]!;
        flags |= hostFlags.hasFingerprint;
      }
      c.entryMode[row] = record.isEmpty(at.entry_mode)
        ? 0
        : 1 + cells.word(at.entry_mode, entryModeWords, entryModes);
      if (
        !record.isEmpty(at.duplicate_confirmed) &&
        cells.word(at.duplicate_confirmed, booleanWords, booleans) === 1
      ) {
        flags |= hostFlags.duplicateConfirmed;
      }
      c.flags[row] = flags;
      c.line[row] = record.line;
    },
  }));
  return table;
}
