// The signed-folds port's contract (issue 13): folds kept per terminal session key with their
// owner and counted, an answer's fold never left to a request, a fold two transactions add at once
// kept once, and a terminal's old keys' folds deleted, checked on every adapter.
import { describe, expect, it } from 'vitest';
import type { FoldSession } from '../payments/ports/signed-fold-store.js';
import type { Store } from '../payments/ports/store.js';

const t0 = Date.UTC(2026, 10, 25, 6, 0, 0);
const k1: FoldSession = { merchantId: 'M1', terminalId: 'T1', keyDigest: 'key-1' };
const k2: FoldSession = { ...k1, keyDigest: 'key-2' };
const otherTerminal: FoldSession = { ...k1, terminalId: 'T2' };
const fold = (byte: number): string => byte.toString(16).padStart(2, '0').repeat(8);
const request = (digest: string) => ({ kind: 'request', digest }) as const;
const answer = { kind: 'answer' } as const;

export function describeSignedFoldStoreContract(name: string, openFresh: () => Promise<Store>): void {
  describe(`the ${name} store's signed MAC folds`, () => {
    it('keeps each fold once per session key with its owner, and counts them', async () => {
      const store = await openFresh();
      const lookup = (session: FoldSession, byte: number) =>
        store.read((r) => r.getSignedFold(session, fold(byte)));
      expect(await lookup(k1, 1)).toEqual({ owner: undefined, folds: 0 });
      const put = (session: FoldSession, byte: number, owner: typeof answer | ReturnType<typeof request>) =>
        store.transaction((tx) => tx.putSignedFold(session, fold(byte), owner, t0));
      expect(await put(k1, 1, request('digest-a'))).toBe(true);
      expect(await put(k1, 1, request('digest-b'))).toBe(false);
      expect(await lookup(k1, 1)).toEqual({ owner: request('digest-a'), folds: 1 });
      expect(await put(k1, 2, answer)).toBe(true);
      expect(await lookup(k1, 2)).toEqual({ owner: answer, folds: 2 });
      expect(await lookup(k1, 3)).toEqual({ owner: undefined, folds: 2 });
      // An answer with a request's fold takes it over; a request never takes an answer's.
      expect(await put(k1, 1, answer)).toBe(false);
      expect(await put(k1, 2, request('digest-c'))).toBe(false);
      expect(await lookup(k1, 1)).toEqual({ owner: answer, folds: 2 });
      expect(await lookup(k1, 2)).toEqual({ owner: answer, folds: 2 });
      // Another key, or another terminal, starts afresh.
      expect(await lookup(k2, 1)).toEqual({ owner: undefined, folds: 0 });
      expect(await lookup(otherTerminal, 1)).toEqual({ owner: undefined, folds: 0 });
      await store.close();
    });

    it('keeps a fold two transactions add at the same moment once: the second waits and adds nothing', async () => {
      const store = await openFresh();
      let inserted!: () => void;
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const first = store.transaction(async (tx) => {
        const added = await tx.putSignedFold(k1, fold(7), request('first'), t0);
        inserted();
        await gate;
        return added;
      });
      await firstInserted;
      const second = store.transaction((tx) => tx.putSignedFold(k1, fold(7), request('second'), t0));
      release();
      expect(await Promise.all([first, second])).toEqual([true, false]);
      expect(await store.read((r) => r.getSignedFold(k1, fold(7)))).toEqual({
        owner: request('first'),
        folds: 1,
      });
      await store.close();
    });

    it("deletes a terminal's folds under every key but the one it keeps, and no other terminal's", async () => {
      const store = await openFresh();
      await store.transaction(async (tx) => {
        for (const byte of [1, 2, 3]) await tx.putSignedFold(k1, fold(byte), answer, t0);
        await tx.putSignedFold(k2, fold(1), request('d'), t0);
        await tx.putSignedFold(otherTerminal, fold(1), answer, t0);
      });
      const deleted = await store.transaction((tx) => tx.deleteSignedFoldsExcept('M1', 'T1', 'key-2'));
      expect(deleted).toBe(3);
      await store.read(async (r) => {
        expect(await r.getSignedFold(k1, fold(1))).toEqual({ owner: undefined, folds: 0 });
        expect(await r.getSignedFold(k2, fold(1))).toEqual({ owner: request('d'), folds: 1 });
        expect(await r.getSignedFold(otherTerminal, fold(1))).toEqual({ owner: answer, folds: 1 });
      });
      // The old key's count starts again from nothing if it is ever written again.
      await store.transaction((tx) => tx.putSignedFold(k1, fold(9), answer, t0));
      expect(await store.read((r) => r.getSignedFold(k1, fold(9)))).toEqual({ owner: answer, folds: 1 });
      await store.close();
    });
  });
}
