// Reads the v1 settlement file (the acquirer's per-transaction detail) into a settlement table.
// Acquirers' own layouts go through a mapping profile instead (profile-reader.ts).
import { notFen, parseFen, parseIsoTime } from './cell-parsing.js';
import { estimatedRows, readCsvTable, wordsOf, type TableReadOptions } from './csv-table-reader.js';
import { settlementTxnTypes } from './rows.js';
import { newSettlementTable, type SettlementTable } from './tables.js';
import { narrowDigits, wideDigits } from './text-dictionary.js';

/** A v1 line is about this long (fields of their usual widths), for presizing the table. */
const typicalRowBytes = 120;

export const settlementFileColumns = [
  'settlement_date',
  'merchant_id',
  'terminal_id',
  'batch_no',
  'stan',
  'rrn',
  'auth_code',
  'txn_time',
  'txn_type',
  'amount',
  'fee',
  'currency',
  'card_masked',
] as const;

const typeWords = wordsOf(settlementTxnTypes);
const fenExpected = 'a whole number of fen (0 to 999999999999)';

export async function readSettlementFile(
  options: TableReadOptions & { readonly table?: SettlementTable },
): Promise<SettlementTable> {
  const table =
    options.table ?? newSettlementTable(options.file, await estimatedRows(options, typicalRowBytes));
  await readCsvTable(options, settlementFileColumns, (at) => ({
    row(record, cells) {
      const buffer = record.buffer;
      const starts = record.starts;
      const ends = record.ends;
      const row = table.add();
      const c = table.c;
      c.merchant[row] = cells.key(at.merchant_id, wideDigits);
      c.terminal[row] = cells.key(at.terminal_id, narrowDigits);
      c.batch[row] = cells.key(at.batch_no, narrowDigits);
      c.stan[row] = cells.key(at.stan, narrowDigits);
      c.rrn[row] = cells.key(at.rrn, wideDigits);
      let time = Number.NaN;
      if (!record.isEmpty(at.txn_time)) {
        time = parseIsoTime(buffer, starts[at.txn_time]!, ends[at.txn_time]!);
        if (Number.isNaN(time)) {
          throw cells.fail(
            'POS_ERR_RECON_BAD_TIME',
            at.txn_time,
            'an ISO 8601 time with offset like 2026-11-25T14:03:07+08:00',
          );
        }
      }
      c.time[row] = time;
      c.txnType[row] = cells.word(at.txn_type, typeWords, settlementTxnTypes);
      const amount = parseFen(buffer, starts[at.amount]!, ends[at.amount]!);
      if (amount === notFen) throw cells.fail('POS_ERR_RECON_BAD_AMOUNT', at.amount, fenExpected);
      c.amount[row] = amount;
      let fee = -1;
      if (!record.isEmpty(at.fee)) {
        fee = parseFen(buffer, starts[at.fee]!, ends[at.fee]!);
        if (fee === notFen) throw cells.fail('POS_ERR_RECON_BAD_AMOUNT', at.fee, fenExpected);
      }
      c.fee[row] = fee;
      c.currency[row] = cells.key(at.currency, narrowDigits);
      c.line[row] = record.line;
    },
  }));
  return table;
}
