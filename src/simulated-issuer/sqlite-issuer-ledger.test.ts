// The durable issuer ledger commits the postings of one turn together: none may be answered before
// it is committed, and what is committed is what another process (posguard verify) reads.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Secret } from '../cards/secret.js';
import { systemClock } from '../clock/clock.js';
import type { AuthorizationRequest } from '../payments/ports/upstream.js';
import { SeededRandom } from '../random/random.js';
import type { LedgerEntry } from './issuer-ledger.js';
import { SimulatedIssuer } from './simulated-issuer.js';
import { SqliteIssuerLedger } from './sqlite-issuer-ledger.js';

const ledgerPath = (): string => join(mkdtempSync(join(tmpdir(), 'issuer-ledger-')), 'issuer-ledger.db');

function entry(rrn: string): LedgerEntry {
  return {
    rrn,
    kind: 'sale',
    cardId: 'card-1',
    originalRrn: null,
    amount: 100,
    state: 'posted',
    postings: 1,
    authCode: '123456',
    responseCode: '00',
    merchantId: 'M1',
    terminalId: 'T1',
    at: 0,
  };
}

/** What another connection (another process, as `posguard verify` is) reads from the file. */
function committedRrns(path: string): string[] {
  const reader = new SqliteIssuerLedger(path, { readonly: true });
  try {
    return [...reader.entries()].map((e) => e.rrn);
  } finally {
    reader.close();
  }
}

describe('SqliteIssuerLedger', () => {
  it('commits the postings of one turn together, and settles committed() after the COMMIT', async () => {
    const path = ledgerPath();
    const ledger = new SqliteIssuerLedger(path);
    ledger.put(entry('000000000001'));
    ledger.put(entry('000000000002'));
    expect(ledger.get('000000000002')?.rrn).toBe('000000000002'); // its own writes, at once
    expect(committedRrns(path)).toEqual([]); // not committed yet
    await ledger.committed();
    expect(committedRrns(path)).toEqual(['000000000001', '000000000002']);
    ledger.put(entry('000000000003'));
    ledger.close(); // commits what is open
    expect(committedRrns(path)).toEqual(['000000000001', '000000000002', '000000000003']);
  });

  it('has the issuer answer only once the posting is committed', async () => {
    const path = ledgerPath();
    const ledger = new SqliteIssuerLedger(path);
    const issuer = new SimulatedIssuer({ clock: systemClock, random: new SeededRandom(1), ledger });
    const seenAtAnswer: string[][] = [];
    const request: AuthorizationRequest = {
      kind: 'sale',
      rrn: '000000000007',
      originalRrn: null,
      amount: 500,
      currency: 'CNY',
      merchantId: 'M1',
      terminalId: 'T1',
      pan: new Secret('6212345678901232', 'card number'),
      cardFingerprint: null,
      expiry: '9912',
      entryMode: 'chip',
      batchNo: null,
      stan: null,
    };
    const answer = await issuer.authorize(request, new AbortController().signal).then((a) => {
      seenAtAnswer.push(committedRrns(path));
      return a;
    });
    expect(answer.outcome).toBe('approved');
    expect(seenAtAnswer).toEqual([['000000000007']]);
    ledger.close();
  });
});
