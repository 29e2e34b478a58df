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

function copy<T>(value: T): T {
  return structuredClone(value);
}

export class MemoryJournal implements Journal {
  #state: TerminalState | null = null;
  readonly #records = new Map<string, TransactionRecord>();
  readonly #reversals = new Map<string, ReversalRecord>();

  load(): Promise<JournalContents> {
    return Promise.resolve({
      state: copy(this.#state),
      records: [...this.#records.values()].map(copy),
      reversals: [...this.#reversals.values()].map(copy),
    });
  }

  saveState(state: TerminalState): Promise<void> {
    this.#state = copy(state);
    return Promise.resolve();
  }

  putRecord(record: TransactionRecord): Promise<void> {
    const key = recordKey(record);
    if (!this.#records.has(key) && this.#records.size >= maxJournalRecords) {
      return Promise.reject(journalFull());
    }
    this.#records.set(key, copy(record));
    return Promise.resolve();
  }

  putReversal(reversal: ReversalRecord): Promise<void> {
    this.#reversals.set(recordKey(reversal), copy(reversal));
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
