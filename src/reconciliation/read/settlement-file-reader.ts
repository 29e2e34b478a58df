// Reads the v1 settlement file (the acquirer's per-transaction detail) into a settlement table.
// Acquirers' own layouts go through a mapping profile instead (profile-reader.ts).
import { estimatedRows, readCsvTable, wordsOf, type TableReadOptions } from './csv-table-reader.js';
import { settlementTxnTypes } from '../tables/rows.js';
import { newSettlementTable, type SettlementTable } from '../tables/tables.js';
import { narrowDigits } from '../tables/text-dictionary.js';

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

export async function readSettlementFile(
  options: TableReadOptions & { readonly table?: SettlementTable },
): Promise<SettlementTable> {
  const table =
    options.table ?? newSettlementTable(options.file, await estimatedRows(options, typicalRowBytes));
  await readCsvTable(options, settlementFileColumns, (at) => ({
    row(record, cells) {
      const row = table.add();
      const c = table.c;
      cells.keys(at, c, row);
      c.time[row] = cells.time(at.txn_time);
      c.txnType[row] = cells.word(at.txn_type, typeWords, settlementTxnTypes);
      c.amount[row] = cells.fen(at.amount);
      c.fee[row] = cells.fen(at.fee, -1);
      c.currency[row] = cells.key(at.currency, narrowDigits);
      c.line[row] = record.line;
    },
  }));
  return table;
}
