// The record of signed MAC folds as the engine keeps it (issue 13), on an in-memory SQLite store:
// fresh, retransmitted and forged requests, the limit per session, and key adoption.
import { describe, expect, it } from 'vitest';
import { merchantId, makeHarness, terminalId, type Harness } from './test-support/engine-harness.js';
import { sessionKeyDigest, type SignedRequest } from './signed-folds.js';

const terminal = { merchantId, terminalId };
const fold = (byte: number): string => byte.toString(16).padStart(2, '0').repeat(8);

function signed(overrides: Partial<SignedRequest> & { fold: string; requestDigest: string }): SignedRequest {
  return { terminal, sealedMacKey: 'sealed-1', adopt: false, now: 0, maxFolds: 8192, ...overrides };
}

async function check(h: Harness, request: SignedRequest): Promise<string> {
  const result = await h.engine.acceptSignedRequest(request);
  return result.kind === 'forged' ? `forged: ${result.why}` : result.kind;
}

describe('the record of signed MAC folds (engine)', () => {
  it('takes a fresh request, a retransmission of the same bytes, and refuses other bytes with its fold', async () => {
    const h = await makeHarness();
    expect(await check(h, signed({ fold: fold(1), requestDigest: 'sale 1' }))).toBe('fresh');
    expect(await check(h, signed({ fold: fold(1), requestDigest: 'sale 1' }))).toBe('retransmission');
    expect(await check(h, signed({ fold: fold(1), requestDigest: 'forged' }))).toContain('earlier request');
  });

  it('refuses any request with the fold of a signed answer, even the bytes of that answer', async () => {
    const h = await makeHarness();
    await h.engine.recordSignedAnswer({ terminal, sealedMacKey: 'sealed-1', fold: fold(2), now: 0 });
    expect(await check(h, signed({ fold: fold(2), requestDigest: 'answer bytes' }))).toContain(
      'answer this host signed',
    );
  });

  it('starts afresh under a new session key, and keeps terminals apart', async () => {
    const h = await makeHarness();
    await h.engine.recordSignedAnswer({ terminal, sealedMacKey: 'sealed-1', fold: fold(3), now: 0 });
    const next = { fold: fold(3), requestDigest: 'x' };
    const other = { merchantId, terminalId: 'T0002' };
    expect(await check(h, signed({ ...next, terminal: other }))).toBe('fresh');
    expect(await check(h, signed({ ...next, sealedMacKey: 'sealed-2' }))).toBe('fresh');
  });

  it('asks for a new session when one is full, rather than forgetting what it signed', async () => {
    const h = await makeHarness();
    await h.engine.recordSignedAnswer({ terminal, sealedMacKey: 'sealed-1', fold: fold(9), now: 0 });
    const at = { maxFolds: 2 };
    expect(await check(h, signed({ ...at, fold: fold(4), requestDigest: 'a' }))).toBe('fresh');
    expect(await check(h, signed({ ...at, fold: fold(5), requestDigest: 'b' }))).toBe('full');
    expect(await check(h, signed({ ...at, fold: fold(9), requestDigest: 'c' }))).toContain('forged');
    expect(await check(h, signed({ ...at, fold: fold(4), requestDigest: 'a' }))).toBe('retransmission');
  });

  it("adopts the pending keys a request proves, and deletes the folds of the keys they replace, not a forgery's", async () => {
    const h = await makeHarness();
    const offer = (mac: string) =>
      h.engine.offerSessionKeys({
        terminal,
        keys: { pinKeyEncrypted: `pin-${mac}`, macKeyEncrypted: mac, keyMode: '003' },
        now: 0,
      });
    await offer('sealed-1');
    expect(await check(h, signed({ adopt: true, fold: fold(1), requestDigest: 'first sale' }))).toBe('fresh');
    await h.engine.recordSignedAnswer({ terminal, sealedMacKey: 'sealed-1', fold: fold(2), now: 0 });
    await offer('sealed-2');
    const under2 = { sealedMacKey: 'sealed-2', adopt: true };
    // A forgery under the new keys adopts nothing: a request with an answer's fold under them.
    await h.engine.recordSignedAnswer({ terminal, sealedMacKey: 'sealed-2', fold: fold(5), now: 0 });
    expect(await check(h, signed({ ...under2, fold: fold(5), requestDigest: 'forged' }))).toContain('forged');
    const lookup = (sealed: string, byte: number) =>
      h.store.read((r) =>
        r.getSignedFold({ merchantId, terminalId, keyDigest: sessionKeyDigest(sealed) }, fold(byte)),
      );
    expect((await lookup('sealed-1', 2)).folds).toBe(2);
    expect(await h.store.read((r) => r.getTerminal(merchantId, terminalId))).toMatchObject({
      macKeyEncrypted: 'sealed-1',
      pendingMacKeyEncrypted: 'sealed-2',
    });
    expect(await check(h, signed({ ...under2, fold: fold(6), requestDigest: 'next sale' }))).toBe('fresh');
    expect(await h.store.read((r) => r.getTerminal(merchantId, terminalId))).toMatchObject({
      macKeyEncrypted: 'sealed-2',
      pendingMacKeyEncrypted: null,
      signedIn: true,
    });
    expect(await lookup('sealed-1', 2)).toEqual({ owner: undefined, folds: 0 });
    expect(await lookup('sealed-2', 6)).toEqual({
      owner: { kind: 'request', digest: 'next sale' },
      folds: 2,
    });
  });
});
