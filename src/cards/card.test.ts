import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cardExpired, cardFingerprint, luhnValid, makeCard, maskPan, panProblems } from './card.js';
import { Secret } from './secret.js';

const key = new Secret(Buffer.alloc(32, 7), 'fingerprint key');

describe('cards', () => {
  it('accepts numbers that pass the Luhn check and refuses those that do not', () => {
    expect(luhnValid('6222021234567890128')).toBe(true);
    expect(luhnValid('6222021234567890127')).toBe(false);
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('6212345678901232')).toBe(true);
    expect(luhnValid('6212345678901233')).toBe(false);
  });

  it('masks a card number to its first six and last four digits', () => {
    expect(maskPan('6212345678901232')).toBe('621234******1232');
    expect(maskPan('6217973910000725090')).toBe('621797*********5090');
  });

  it('reports bad card numbers without echoing them', () => {
    const problems = panProblems('card.pan', '6212345678901233');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.actual).toContain('failing the Luhn check');
    expect(JSON.stringify(problems)).not.toContain('6212345678901233');
    expect(panProblems('card.pan', '12345')[0]?.expected).toContain('12 to 19 digits');
    expect(panProblems('card.pan', 6212345678901232)[0]?.actual).toBe('a number');
    expect(panProblems('card.pan', '6212345678901232')).toEqual([]);
  });

  it('fingerprints the same card to the same value under one key and to another under another key', () => {
    const a = cardFingerprint('6212345678901232', key);
    expect(a).toBe(cardFingerprint('6212345678901232', key));
    expect(a).not.toBe(cardFingerprint('6212345678901232', new Secret(Buffer.alloc(32, 8))));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never shows the clear number when a card is logged or serialised', () => {
    const card = makeCard({ pan: '6212345678901232', expiry: '2812', fingerprintKey: key });
    expect(JSON.stringify(card)).not.toContain('6212345678901232');
    expect(inspect(card)).not.toContain('6212345678901232');
    expect(String(card.pan)).toBe('[redacted card number]');
    expect(card.pan.reveal()).toBe('6212345678901232');
  });
});

describe('card expiry', () => {
  const at = (iso: string) => Date.parse(iso);
  it('keeps a card good through the last day of its expiry month, in China Standard Time', () => {
    expect(cardExpired({ expiry: '2611', atMs: at('2026-11-30T15:59:59Z') })).toBe(false); // 23:59:59 CST
    expect(cardExpired({ expiry: '2611', atMs: at('2026-11-30T16:00:00Z') })).toBe(true); // Dec 1st CST
    expect(cardExpired({ expiry: '2612', atMs: at('2026-11-30T16:00:00Z') })).toBe(false);
  });

  it('finds a card from another year or century expired', () => {
    expect(cardExpired({ expiry: '2001', atMs: at('2026-11-25T06:00:00Z') })).toBe(true);
    expect(cardExpired({ expiry: '2512', atMs: at('2026-01-01T00:00:00Z') })).toBe(true);
    expect(cardExpired({ expiry: '3001', atMs: at('2026-11-25T06:00:00Z') })).toBe(false);
  });
});
