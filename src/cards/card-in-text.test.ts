import { describe, expect, it } from 'vitest';
import {
  freeTextProblem,
  holdsCardNumber,
  holdsPaymentCode,
  redactCardNumbers,
  redactUrl,
  textProblem,
} from './card-in-text.js';

describe('card numbers and control characters in free text', () => {
  it('finds a card number written together, in groups, or inside other text', () => {
    expect(holdsCardNumber('4929123456789012')).toBe(false); // fails the Luhn check
    expect(holdsCardNumber('4111111111111111')).toBe(true);
    expect(holdsCardNumber('order 4111 1111 1111 1111 paid')).toBe(true);
    expect(holdsCardNumber('ref-6212-3456-7890-1232')).toBe(true);
    expect(holdsCardNumber('6217973910000725090')).toBe(true);
    expect(holdsCardNumber('62179739100007250901')).toBe(false); // 20 digits: no card is that long
    expect(holdsCardNumber('INV00004111111111111111X')).toBe(true); // glued to a zero-padded number
  });

  it('lets ordinary references and keys through', () => {
    expect(holdsCardNumber('ORDER-2026-11-25-0001')).toBe(false);
    expect(holdsCardNumber('0000000000000000')).toBe(false); // no card starts with 0
    expect(holdsCardNumber('3f2a9c1e-8b7d-4e2f-9a10-5c3b2d1e0f4a')).toBe(false);
    expect(holdsCardNumber('123456789012')).toBe(false); // 12 digits: shorter than any card in use
    // Epoch timestamps in milliseconds and nanoseconds, both passing the Luhn check: no card starts with 1.
    expect(holdsCardNumber('order-1733461234564')).toBe(false);
    expect(holdsCardNumber('sale-1733461234567890126')).toBe(false);
    expect(holdsCardNumber('8171999927660000')).toBe(true); // UnionPay's 81 range
  });

  it('names NUL, ANSI escapes, other controls, bidi overrides and lone surrogates', () => {
    expect(textProblem('plain text, 中文 ok')).toBeUndefined();
    expect(textProblem('a\u0000b')).toMatch(/^NUL \(U\+0000\) at character 2/);
    expect(textProblem('\u001b[31mred')).toMatch(/^ESC/);
    expect(textProblem('a\u007fb')).toMatch(/control character \(U\+007F\)/);
    expect(textProblem('abc\u202egnp.exe')).toMatch(/U\+202E/);
    expect(textProblem('x\ud800')).toMatch(/lone UTF-16 surrogate/);
    expect(textProblem('\ud83d\ude00 emoji')).toBeUndefined();
  });

  it('describes a text holding a card number without echoing it', () => {
    const problem = freeTextProblem('paid with 4111111111111111');
    expect(problem).toMatch(/looks like a card number/);
    expect(problem).not.toContain('4111');
  });

  it('redacts any run of 12 or more digits in a URL, percent-encoded or grouped', () => {
    expect(redactCardNumbers('/v1/payments/4929123456789012')).toBe('/v1/payments/[redacted digits]');
    expect(redactUrl('/v1/payments/4929-1234-5678-9012?x=1')).toBe('/v1/payments/[redacted digits]?x=1');
    expect(redactUrl('/v1/payments/%34%39%32%39123456789012')).toBe('/v1/payments/[redacted digits]');
    expect(redactUrl('/v1/payments/%E0%A4%A4929123456789012')).not.toContain('9123456789012');
    expect(redactUrl('/v1/payments/pay_123?limit=50')).toBe('/v1/payments/pay_123?limit=50');
  });

  it('finds a wallet payment code of each wallet in free text, and names it without echoing it', () => {
    const codes = ['134567890123456789', '286543210987654321', '6212345678901234567'];
    for (const code of codes) {
      expect(holdsPaymentCode(`order ${code}`)).toBe(true);
      const problem = freeTextProblem(`ref-${code}`);
      expect(problem).toContain('payment code');
      expect(problem).not.toContain(code);
    }
    // Not a code: a wrong length for its prefix, a prefix no wallet uses, a date-led order number.
    for (const text of [
      '13456789012345678',
      '1345678901234567890',
      '9912345678901234567',
      '20261206000012345678',
    ]) {
      expect(holdsPaymentCode(text)).toBe(false);
      expect(freeTextProblem(text)).toBeUndefined();
    }
  });
});
