// The fault schedule as a pure function of the seed: whether a fault strikes a given occasion (an
// intent, its nth message, its nth issuer call) is a hash of the seed and the occasion, never a
// draw from a shared stream. So the naive and the guarded protocol meet the same faults at the same
// occasions, although they send different messages, and adding a draw in one place never shifts
// every later decision.

/** A 32-bit hash of the seed and the occasion's parts (FNV-1a, then a murmur finaliser). */
function hash(seed: number, parts: ReadonlyArray<string | number>): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i += 1) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Schedule {
  constructor(readonly seed: number) {}

  /** A number in [0, 1) fixed by the seed and the occasion. */
  uniform(...occasion: ReadonlyArray<string | number>): number {
    return hash(this.seed, occasion) / 4294967296;
  }

  /** True with probability `rate` for this occasion. */
  strikes(rate: number, ...occasion: ReadonlyArray<string | number>): boolean {
    return rate > 0 && this.uniform(...occasion) < rate;
  }

  /** A whole number in [min, max] fixed by the occasion. */
  between(min: number, max: number, ...occasion: ReadonlyArray<string | number>): number {
    return min + Math.floor(this.uniform(...occasion) * (max - min + 1));
  }
}
