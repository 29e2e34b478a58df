// A journal in memory, for tests and the deterministic simulator: it outlives the client that
// writes it, so a "crash" is dropping the client and opening a new one on the same journal. Values
// are copied in and out, as a real journal would serialise them.
import { PosError } from '../pos-error.js';
import {
  maxJournalRecords,
  recordKey,
  type Journal,
  type JournalContents,
  type ReversalRecord,
  type TerminalState,
  type TransactionRecord,
} from './journal.js';

// Copies by shape: each value is flat but for one nested object (a record's original, a reversal's
// message and its fields, the state's keys), so a copy is a few spreads, not a structured clone.
const copyState = (state: TerminalState | null): TerminalState | null =>
  state === null ? null : { ...state, keys: state.keys === null ? null : { ...state.keys } };
const copyRecord = (record: TransactionRecord): TransactionRecord => ({
  ...record,
  original: record.original === null ? null : { ...record.original },
});
const copyReversal = (reversal: ReversalRecord): ReversalRecord => ({
  ...reversal,
  message: { ...reversal.message, fields: { ...reversal.message.fields } },
});

export class MemoryJournal implements Journal {
  #state: TerminalState | null = null;
  readonly #records = new Map<string, TransactionRecord>();
  readonly #reversals = new Map<string, ReversalRecord>();

  load(): Promise<JournalContents> {
    return Promise.resolve({
      state: copyState(this.#state),
      records: [...this.#records.values()].map(copyRecord),
      reversals: [...this.#reversals.values()].map(copyReversal),
    });
  }

  saveState(state: TerminalState): Promise<void> {
    this.#state = copyState(state);
    return Promise.resolve();
  }

  putRecord(record: TransactionRecord): Promise<void> {
    const key = recordKey(record);
    if (!this.#records.has(key) && this.#records.size >= maxJournalRecords) {
      return Promise.reject(journalFull());
    }
    this.#records.set(key, copyRecord(record));
    return Promise.resolve();
  }

  putReversal(reversal: ReversalRecord): Promise<void> {
    this.#reversals.set(recordKey(reversal), copyReversal(reversal));
    return Promise.resolve();
  }

  deleteReversal(ref: { batchNo: string; stan: string }): Promise<void> {
    this.#reversals.delete(recordKey(ref));
    return Promise.resolve();
  }

  pruneRecords(keep: readonly string[]): Promise<void> {
    for (const [key, record] of this.#records) if (!keep.includes(record.batchNo)) this.#records.delete(key);
    return Promise.resolve();
  }
}

export function journalFull(): PosError {
  return new PosError(
    'POS_ERR_TERMINAL_JOURNAL_FULL',
    `the terminal journal holds ${maxJournalRecords} transactions, its maximum: settle the batch first`,
  );
}
