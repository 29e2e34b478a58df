import { describeJournalContract } from './journal.contract.js';
import { MemoryJournal } from './memory-journal.js';

describeJournalContract('in-memory', () => {
  const journal = new MemoryJournal();
  return { open: () => journal, reopen: () => journal };
});
