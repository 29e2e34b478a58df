// Reads the v1 host journal (posguard's own record, as `posguard export` writes it) into a host
// table. Columns: see `hostJournalColumns`, then the QR columns (`hostJournalQrColumns`), which an
// older journal may lack (every row is then a card payment); statuses, entry modes, booleans,
// methods and wallets are checked word by word, amounts are whole fen, times ISO 8601 with an
// offset.
import {
  estimatedRows,
  readCsvTable,
  wordsOf,
  type CellReader,
  type TableReadOptions,
} from './csv-table-reader.js';
import type { CsvRecord } from './csv-scanner.js';
import { inputError } from './input-error.js';
import { entryModes, paymentMethods } from '../../payments/payment.js';
import { wallets } from '../../payments/ports/wallet.js';
import { hostStatuses, txnTypes } from '../tables/rows.js';
import {
  appendQr,
  hashFingerprint,
  hostFlags,
  newHostTable,
  withWallet,
  type HostTable,
} from '../tables/tables.js';
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

/**
 * A QR sale's columns (issue 20): `method` card or qr (empty is card), and for qr the wallet, the
 * merchant order number, the wallet's trade number and the payer's keyed fingerprint. Optional as
 * a group: a journal written before QR payments has none of them.
 */
export const hostJournalQrColumns = [
  'method',
  'wallet',
  'order_no',
  'wallet_trade_no',
  'payer_fingerprint',
] as const;
type QrColumn = (typeof hostJournalQrColumns)[number];

const typeWords = wordsOf(txnTypes);
const statusWords = wordsOf(hostStatuses);
const entryModeWords = wordsOf(entryModes);
const booleans = ['false', 'true'] as const;
const booleanWords = wordsOf(booleans);
const methodWords = wordsOf(paymentMethods);
const qrMethod = paymentMethods.indexOf('qr');
const walletWords = wordsOf(wallets);
const saleType = txnTypes.indexOf('sale');
const approvedOrDeclined = [hostStatuses.indexOf('approved'), hostStatuses.indexOf('declined')];

export async function readHostJournal(
  options: TableReadOptions & { readonly table?: HostTable },
): Promise<HostTable> {
  const table = options.table ?? newHostTable(options.file, await estimatedRows(options, typicalRowBytes));
  const fingerprint = new Int32Array(2);
  await readCsvTable(
    options,
    hostJournalColumns,
    (at) => {
      requireAllQrColumns(options.file, at);
      return {
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
          if (at.method >= 0 && !record.isEmpty(at.method))
            flags = qrRow(table, row, record, cells, at, flags);
          c.flags[row] = flags;
          c.line[row] = record.line;
        },
      };
    },
    { optional: hostJournalQrColumns },
  );
  return table;
}

/** The QR columns come as a group: with `method` in the header, the other four must be there. */
function requireAllQrColumns(file: string, at: Readonly<Record<QrColumn, number>>): void {
  if (at.method < 0) return;
  const missing = hostJournalQrColumns.filter((column) => at[column] < 0);
  if (missing.length === 0) return;
  throw inputError(
    'POS_ERR_RECON_MISSING_COLUMN',
    { file, line: 1, column: missing[0]! },
    `the header has the column method but lacks ${missing.join(', ')} (the QR columns ${hostJournalQrColumns.join(',')} come together)`,
  );
}

/**
 * Reads a row's QR columns when its method is qr: the wallet into the flags, the order and trade
 * numbers into the side table, and the payer's fingerprint where a card's would be. A card row
 * must leave the wallet empty.
 */
function qrRow(
  table: HostTable,
  row: number,
  record: CsvRecord,
  cells: CellReader,
  at: Readonly<Record<QrColumn | 'card_fingerprint', number>>,
  flags: number,
): number {
  if (cells.word(at.method, methodWords, paymentMethods) !== qrMethod) {
    if (!record.isEmpty(at.wallet))
      throw cells.fail('POS_ERR_RECON_BAD_VALUE', at.wallet, 'no wallet on a card payment');
    return flags;
  }
  const wallet = cells.word(at.wallet, walletWords, wallets);
  if (record.isEmpty(at.order_no)) {
    throw cells.fail('POS_ERR_RECON_BAD_VALUE', at.order_no, "the QR sale's merchant order number");
  }
  appendQr(table.qr, row, cells.key(at.order_no, wideDigits), cells.key(at.wallet_trade_no, wideDigits));
  let withPayer = withWallet(flags, 1 + wallet);
  if (!record.isEmpty(at.payer_fingerprint)) {
    hashFingerprint(
      record.buffer,
      record.starts[at.payer_fingerprint]!,
      record.ends[at.payer_fingerprint]!,
      scratch,
    );
    table.c.fingerprintHigh[row] = scratch[0]!;
    table.c.fingerprintLow[row] = scratch[1]!;
    withPayer |= hostFlags.hasFingerprint;
  }
  return withPayer;
}

const scratch = new Int32Array(2);
