// Reads the v1 terminal journal (what the POS screen and its printed list show) into a terminal
// table. The amount may be empty (a terminal that lost its answer may not know it).
import { estimatedRows, readCsvTable, wordsOf, type TableReadOptions } from './csv-table-reader.js';
import { terminalResults, txnTypes } from '../tables/rows.js';
import { newTerminalTable, type TerminalTable } from '../tables/tables.js';

/** A v1 line is about this long (fields of their usual widths), for presizing the table. */
const typicalRowBytes = 110;

export const terminalJournalColumns = [
  'merchant_id',
  'terminal_id',
  'batch_no',
  'stan',
  'rrn',
  'auth_code',
  'txn_time',
  'txn_type',
  'result',
  'amount',
  'card_masked',
] as const;

const typeWords = wordsOf(txnTypes);
const resultWords = wordsOf(terminalResults);

export async function readTerminalJournal(
  options: TableReadOptions & { readonly table?: TerminalTable },
): Promise<TerminalTable> {
  const table =
    options.table ?? newTerminalTable(options.file, await estimatedRows(options, typicalRowBytes));
  await readCsvTable(options, terminalJournalColumns, (at) => ({
    row(record, cells) {
      const row = table.add();
      const c = table.c;
      cells.keys(at, c, row);
      c.time[row] = cells.time(at.txn_time);
      c.txnType[row] = cells.word(at.txn_type, typeWords, txnTypes);
      c.result[row] = cells.word(at.result, resultWords, terminalResults);
      c.amount[row] = cells.fen(at.amount, -1);
      c.line[row] = record.line;
    },
  }));
  return table;
}
