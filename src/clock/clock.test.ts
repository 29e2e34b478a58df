import { describe, expect, it } from 'vitest';
import { isoTime } from './clock.js';

describe('isoTime', () => {
  it('gives what Date.toISOString gives, on days in a row and far apart', () => {
    const values = [0, 1, 999, 1000, 86_399_999, 86_400_000, Date.UTC(2026, 10, 25, 23, 59, 59, 999)];
    let at = Date.UTC(2026, 10, 25);
    for (let i = 0; i < 2000; i += 1) {
      at += Math.floor(((i * 7919) % 10_007) * 977);
      values.push(at, Math.floor(at / 3) * 7);
    }
    values.push(253_402_300_799_999, 253_402_300_800_000, -1, -86_400_001, 1.5, -0.5);
    for (const value of values) expect(isoTime(value)).toBe(new Date(value).toISOString());
  });

  it('throws as toISOString does on a time that is not one', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
