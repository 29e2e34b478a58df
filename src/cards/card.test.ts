import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cardFingerprint, luhnValid, makeCard, maskPan, panProblems } from './card.js';
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
