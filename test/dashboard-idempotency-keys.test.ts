// The dashboard's Idempotency-Keys never read as a card number: the host refuses such a key (422),
// and a UUID's digit groups sometimes did, so a void from the payment page failed now and then.
import { describe, expect, it } from 'vitest';
import { newIdempotencyKey } from '../dashboard/src/api.js';
import { holdsCardNumber } from '../src/cards/card-in-text.js';

describe('the dashboard idempotency keys', () => {
  it('are letters only, never a card number, and never the same twice', () => {
    const keys = Array.from({ length: 20_000 }, () => newIdempotencyKey());
    for (const key of keys) {
      expect(key).toMatch(/^dashboard-[a-z]{24}$/);
      expect(holdsCardNumber(key)).toBe(false);
    }
    expect(new Set(keys).size).toBe(keys.length);
    // What the old keys could do (about one UUID in fifty): digit groups that read as a card number.
    expect(holdsCardNumber('dashboard-14e1b03c-5459-4770-8820-489dabd03a83')).toBe(true);
  });
});
