import { describe, expect, it } from 'vitest';
import { describeJournalContract } from './journal.contract.js';
import { maxJournalRecords, type TransactionRecord } from './journal.js';
import { MemoryJournal } from './memory-journal.js';

describeJournalContract('in-memory', () => {
  const journal = new MemoryJournal();
  return { open: () => journal, reopen: () => journal };
});

describe('the in-memory journal', () => {
  it('refuses a new transaction past its maximum, but still replaces one it holds', async () => {
    const journal = new MemoryJournal();
    const record = (stan: number): TransactionRecord => ({
      batchNo: '000001',
      stan: String(stan).padStart(6, '0'),
      kind: 'sale',
      state: 'approved',
      amount: 1,
      cardMasked: null,
      entryMode: null,
      operatorId: null,
      original: null,
      responseCode: '00',
      message: null,
      rrn: null,
      authCode: null,
      uploaded: false,
      printed: false,
      createdAt: 0,
      updatedAt: 0,
    });
    for (let stan = 1; stan <= maxJournalRecords; stan += 1) await journal.putRecord(record(stan));
    await expect(journal.putRecord(record(maxJournalRecords + 1))).rejects.toMatchObject({
      code: 'POS_ERR_TERMINAL_JOURNAL_FULL',
    });
    await journal.putRecord({ ...record(1), printed: true });
  });
});
