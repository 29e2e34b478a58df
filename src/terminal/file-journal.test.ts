import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileJournal } from './file-journal.js';
import { describeJournalContract } from './journal.contract.js';

function folder(): string {
  return join(mkdtempSync(join(tmpdir(), 'pg-journal-')), 'terminals', 'T0001');
}

describeJournalContract('folder', () => {
  const path = folder();
  return { open: () => new FileJournal(path), reopen: () => new FileJournal(path) };
});

describe('the folder journal on disk', () => {
  const state = {
    merchantId: 'M0001',
    terminalId: 'T0001',
    batchNo: '000001',
    lastStan: 1,
    tmkHex: '0123456789ABCDEF',
    keys: null,
    needsSignIn: false,
  };

  it('writes its files readable by their owner only, and leaves no temporary file behind', async () => {
    const path = folder();
    await new FileJournal(path).saveState(state);
    expect(statSync(join(path, 'state.json')).mode & 0o777).toBe(0o600);
    expect(readdirSync(path)).toEqual(['state.json']);
  });

  it('refuses a damaged file with an error naming it', async () => {
    const path = folder();
    const journal = new FileJournal(path);
    await journal.saveState(state);
    writeFileSync(join(path, 'state.json'), '{"merchantId": "M0001", "terminalId": ');
    await expect(new FileJournal(path).load()).rejects.toMatchObject({
      code: 'POS_ERR_TERMINAL_JOURNAL_UNREADABLE',
      message: expect.stringContaining('state.json: not valid JSON') as unknown,
    });
    writeFileSync(join(path, 'state.json'), '{"merchantId": "M0001"}');
    await expect(new FileJournal(path).load()).rejects.toMatchObject({
      message: expect.stringContaining('missing or mistyped terminalId, batchNo, lastStan') as unknown,
    });
  });

  it('refuses a file larger than 64 KiB without reading it whole', async () => {
    const path = folder();
    await new FileJournal(path).saveState(state);
    writeFileSync(join(path, 'state.json'), ' '.repeat(65 * 1024));
    await expect(new FileJournal(path).load()).rejects.toMatchObject({
      code: 'POS_ERR_TERMINAL_JOURNAL_UNREADABLE',
      message: expect.stringContaining('at most 65536 allowed') as unknown,
    });
  });
});
