// Randomness as a port. Fault injection, key generation and ids draw from a Random, so the
// simulator can replay a run from its seed. Production uses the crypto-backed source.
import { randomBytes, randomInt } from 'node:crypto';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [0, maxExclusive). */
  int(maxExclusive: number): number;
  bytes(length: number): Buffer;
}

export const cryptoRandom: Random = {
  next: () => randomInt(0, 2 ** 48) / 2 ** 48,
  int: (maxExclusive) => randomInt(0, maxExclusive),
  bytes: (length) => randomBytes(length),
};

/**
 * A seeded generator (sfc32, a small fast counter-based PRNG with a 128-bit state): the same seed
 * gives the same sequence on every machine. Not for keys in production.
 */
export class SeededRandom implements Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 15; i += 1) this.#step();
  }

  #step(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.#step() / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i += 1) out[i] = this.#step() & 0xff;
    return out;
  }

  /** A child generator with its own stream, so adding draws in one part never shifts another. */
  fork(label: number): SeededRandom {
    return new SeededRandom((this.#step() ^ Math.imul(label + 1, 0x85ebca6b)) >>> 0);
  }
}
