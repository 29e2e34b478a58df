// The journal port's contract: what every journal must do, run against the in-memory journal and
// the folder journal (memory-journal.test.ts, file-journal.test.ts). `open` gives a fresh journal;
// `reopen` gives another journal over the same storage, as after a restart.
import { describe, expect, it } from 'vitest';
import type { Journal, ReversalRecord, TerminalState, TransactionRecord } from './journal.js';

const state: TerminalState = {
  merchantId: 'M0001',
  terminalId: 'T0001',
  batchNo: '000001',
  lastStan: 7,
  tmkHex: null,
  keys: null,
  needsSignIn: false,
};

function record(overrides: Partial<TransactionRecord> = {}): TransactionRecord {
  return {
    batchNo: '000001',
    stan: '000002',
    kind: 'sale',
    state: 'sending',
    amount: 1280,
    cardMasked: '621234******1232',
    entryMode: 'chip',
    operatorId: '01',
    original: null,
    responseCode: null,
    message: null,
    rrn: null,
    authCode: null,
    uploaded: false,
    printed: false,
    createdAt: 1,
    updatedAt: 1,
    ...overrides,
  };
}

function reversal(overrides: Partial<ReversalRecord> = {}): ReversalRecord {
  return {
    batchNo: '000001',
    stan: '000002',
    reason: 'no-answer',
    message: {
      length: null,
      tpdu: '6000030000',
      header: '603100000000',
      mti: '0400',
      fields: { '11': '000002', '39': '98' },
    },
    attempts: 0,
    createdAt: 1,
    ...overrides,
  };
}

export function describeJournalContract(
  name: string,
  make: () => { open: () => Journal; reopen: () => Journal },
): void {
  describe(`the ${name} journal`, () => {
    it('starts empty', async () => {
      expect(await make().open().load()).toEqual({ state: null, records: [], reversals: [] });
    });

    it('keeps state, records and reversals across a reopening, each record by batch and STAN', async () => {
      const storage = make();
      const journal = storage.open();
      await journal.saveState(state);
      await journal.putRecord(record());
      await journal.putRecord(record({ state: 'approved', rrn: '000000000001' }));
      await journal.putRecord(record({ stan: '000003' }));
      await journal.putReversal(reversal());
      await journal.putReversal(reversal({ reason: 'terminal-failed', attempts: 2 }));
      const loaded = await storage.reopen().load();
      expect(loaded.state).toEqual(state);
      expect(loaded.records.map((r) => `${r.stan} ${r.state}`).sort()).toEqual([
        '000002 approved',
        '000003 sending',
      ]);
      expect(loaded.reversals).toEqual([reversal({ reason: 'terminal-failed', attempts: 2 })]);
    });

    it('deletes a reversal record, and deleting one that is not there is no error', async () => {
      const storage = make();
      const journal = storage.open();
      await journal.putReversal(reversal());
      await journal.deleteReversal({ batchNo: '000001', stan: '000002' });
      await journal.deleteReversal({ batchNo: '000001', stan: '000099' });
      expect((await storage.reopen().load()).reversals).toEqual([]);
    });

    it('forgets the records of batches it is not told to keep', async () => {
      const storage = make();
      const journal = storage.open();
      await journal.putRecord(record({ batchNo: '000001' }));
      await journal.putRecord(record({ batchNo: '000002' }));
      await journal.putRecord(record({ batchNo: '000003' }));
      await journal.pruneRecords(['000002', '000003']);
      expect((await storage.reopen().load()).records.map((r) => r.batchNo).sort()).toEqual([
        '000002',
        '000003',
      ]);
    });

    it('gives back copies: changing what it returned changes nothing stored', async () => {
      const storage = make();
      const journal = storage.open();
      const written = { ...record() };
      await journal.putRecord(written);
      (written as { amount: number }).amount = 1;
      const loaded = await journal.load();
      (loaded.records[0] as { amount: number }).amount = 2;
      expect((await journal.load()).records[0]?.amount).toBe(1280);
    });
  });
}
