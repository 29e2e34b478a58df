import { describe, expect, it } from 'vitest';
import { SignedFolds } from './signed-folds.js';

const fold = (byte: number): Buffer => Buffer.alloc(8, byte);
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('the record of signed MAC folds', () => {
  it('takes a fresh request, a retransmission of the same bytes, and refuses other bytes with its fold', () => {
    const folds = new SignedFolds();
    const at = { terminal: 'M/T', sealedMacKey: 'k1' };
    expect(folds.checkRequest({ ...at, fold: fold(1), macInput: bytes('sale 1') }).kind).toBe('fresh');
    expect(folds.checkRequest({ ...at, fold: fold(1), macInput: bytes('sale 1') }).kind).toBe(
      'retransmission',
    );
    const check1 = folds.checkRequest({ ...at, fold: fold(1), macInput: bytes('forged') });
    expect(check1.kind === 'forged' && check1.why).toContain('earlier request');
  });

  it('refuses any request with the fold of a signed answer, even the bytes of that answer', () => {
    const folds = new SignedFolds();
    const at = { terminal: 'M/T', sealedMacKey: 'k1' };
    folds.recordAnswer({ ...at, fold: fold(2) });
    const check2 = folds.checkRequest({ ...at, fold: fold(2), macInput: bytes('answer bytes') });
    expect(check2.kind === 'forged' && check2.why).toContain('answer this host signed');
  });

  it('starts afresh under a new session key, and keeps terminals apart', () => {
    const folds = new SignedFolds();
    folds.recordAnswer({ terminal: 'M/T', sealedMacKey: 'k1', fold: fold(3) });
    const next = { fold: fold(3), macInput: bytes('x') };
    expect(folds.checkRequest({ terminal: 'M/T2', sealedMacKey: 'k1', ...next }).kind).toBe('fresh');
    expect(folds.checkRequest({ terminal: 'M/T', sealedMacKey: 'k2', ...next }).kind).toBe('fresh');
  });

  it('asks for a new session when one is full, rather than forgetting what it signed', () => {
    const folds = new SignedFolds({ maxFoldsPerSession: 2 });
    const at = { terminal: 'M/T', sealedMacKey: 'k1' };
    folds.recordAnswer({ ...at, fold: fold(9) });
    expect(folds.checkRequest({ ...at, fold: fold(4), macInput: bytes('a') }).kind).toBe('fresh');
    expect(folds.checkRequest({ ...at, fold: fold(5), macInput: bytes('b') }).kind).toBe('full');
    expect(folds.checkRequest({ ...at, fold: fold(9), macInput: bytes('c') }).kind).toBe('forged');
  });
});
