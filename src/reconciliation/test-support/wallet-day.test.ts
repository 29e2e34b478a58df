import { describe, expect, it } from 'vitest';
import { reconcile } from '../reconcile.js';
import { builtInProfile } from '../read/wallet-profiles.js';
import { tempDir } from './day-files.js';
import { generateWalletDay, writeWalletDay } from './wallet-day.js';

const key = (e: { kind: string; cause: string; rrn: string; relatedRrn: string }): string =>
  `${e.kind} ${e.cause} ${e.rrn} ${e.relatedRrn}`;
const merchantOf: Record<'alipay' | 'wechat', string> = { alipay: '2088000000000001', wechat: '1900000109' };

describe("a generated day of QR sales and its wallet's bill", () => {
  const seed = Number(process.env['RECON_SEED'] ?? 20261125);

  it.each([
    ['alipay', 1],
    ['alipay', 2],
    ['wechat', 1],
    ['wechat', 2],
  ] as const)(
    "in %s's own layout is reconciled with no exception missed and none invented, on %i thread(s)",
    async (wallet: 'alipay' | 'wechat', threads: 1 | 2) => {
      const day = generateWalletDay({ wallet, events: 600, seed });
      const paths = writeWalletDay(tempDir(), wallet, day);
      const result = await reconcile({
        host: { kind: 'csv', path: paths.host },
        settlement: {
          kind: 'profile',
          path: paths.bill,
          profile: builtInProfile(wallet)!,
          expect: { merchant: merchantOf[wallet] },
        },
        threads,
      });
      const found = [...result.exceptions].map(key).sort();
      const expected = day.expected.map(key).sort();
      const replay = `replay: RECON_SEED=${seed} npx vitest run src/reconciliation/test-support/wallet-day.test.ts`;
      expect({ missed: expected.filter((e) => !found.includes(e)).slice(0, 5), replay }).toEqual({
        missed: [],
        replay,
      });
      expect(found).toEqual(expected);
      expect(result.settlementRows).toBe(day.bill.length);
      // Every kind a bill can show was injected, so every one was found.
      const settlementKinds = [
        'duplicate_settlement',
        'reversed_but_settled',
        'missing_in_settlement',
        'unknown_in_settlement',
        'amount_mismatch',
        'duplicate_sale_suspect',
      ] as const;
      for (const kind of settlementKinds) expect(result.exceptionCounts[kind], kind).toBeGreaterThan(0);
    },
  );

  it('mixes in card sales and the other wallet, which a wallet run leaves alone', () => {
    const day = generateWalletDay({ wallet: 'wechat', events: 200, seed: 3 });
    const wallets = new Set(day.host.map((h) => h.qr?.wallet ?? 'card'));
    expect([...wallets].sort()).toEqual(['alipay', 'card', 'wechat']);
    expect(generateWalletDay({ wallet: 'alipay', events: 50, seed: 7 })).toEqual(
      generateWalletDay({ wallet: 'alipay', events: 50, seed: 7 }),
    );
  });
});
