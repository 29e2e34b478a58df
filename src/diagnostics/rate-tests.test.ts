import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  binomialUpperTail,
  logGamma,
  poissonUpperTail,
  upperTailPValue,
} from './rate-tests.js';

describe('the rate tests', () => {
  it('computes ln Γ to many digits (ln 10! and Γ(1/2) = √π)', () => {
    expect(logGamma(11)).toBeCloseTo(Math.log(3_628_800), 10);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 10);
    expect(logGamma(1)).toBeCloseTo(0, 12);
  });

  it('gives the exact binomial tail of small cases', () => {
    // P(X >= 1) for n = 2, p = 0.5 is 3/4; P(X >= 2) is 1/4.
    expect(binomialUpperTail(1, 2, 0.5)).toBeCloseTo(0.75, 12);
    expect(binomialUpperTail(2, 2, 0.5)).toBeCloseTo(0.25, 12);
    expect(binomialUpperTail(0, 10, 0.1)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.1)).toBe(0);
    // P(X >= 3 | n = 10, p = 0.1) = 1 - (0.9^10 + 10 * 0.1 * 0.9^9 + 45 * 0.01 * 0.9^8).
    const exact = 1 - (0.9 ** 10 + 10 * 0.1 * 0.9 ** 9 + 45 * 0.01 * 0.9 ** 8);
    expect(binomialUpperTail(3, 10, 0.1)).toBeCloseTo(exact, 12);
  });

  it('gives the exact Poisson tail of small cases', () => {
    // P(X >= 1 | mean 2) = 1 - e^-2; P(X >= 3 | mean 2) = 1 - e^-2 (1 + 2 + 2).
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 12);
    expect(poissonUpperTail(3, 2)).toBeCloseTo(1 - Math.exp(-2) * 5, 12);
    expect(poissonUpperTail(0, 2)).toBe(1);
    expect(poissonUpperTail(1, 0)).toBe(0);
  });

  it('stays accurate far in the tail and on large counts', () => {
    const tail = binomialUpperTail(200, 10_000, 0.003);
    expect(tail).toBeGreaterThan(0);
    expect(tail).toBeLessThan(1e-40);
    // The mean of a large binomial sits near the middle of its distribution.
    expect(binomialUpperTail(30_000, 1_000_000, 0.03)).toBeGreaterThan(0.45);
    expect(binomialUpperTail(30_000, 1_000_000, 0.03)).toBeLessThan(0.55);
    expect(poissonUpperTail(10_000, 10_000)).toBeGreaterThan(0.45);
    expect(poissonUpperTail(10_000, 10_000)).toBeLessThan(0.55);
  });

  it('tells 3 retransmissions in 10 sales from 3 in 10,000 where the fleet has 0.3%', () => {
    const few = upperTailPValue('binomial', 3, 10, 0.003);
    const many = upperTailPValue('binomial', 3, 10_000, 0.003);
    // 3 in 10 is very unlikely for a subject like the fleet; 3 in 10,000 is below the fleet's rate.
    expect(few).toBeLessThan(1e-4);
    expect(many).toBeGreaterThan(0.99);
    // The same 30% rate on ten times the volume is far stronger evidence.
    expect(upperTailPValue('binomial', 30, 100, 0.003)).toBeLessThan(few * 1e-20);
    expect(upperTailPValue('poisson', 3, 10, 0.003)).toBeLessThan(1e-4);
    expect(upperTailPValue('poisson', 3, 10_000, 0.003)).toBeGreaterThan(0.99);
  });

  it('adjusts p-values by Benjamini-Hochberg, keeping their order', () => {
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.5]);
    // Sorted: 0.01 (rank 1) → 0.04; 0.03 (rank 2) → 0.06; 0.04 (rank 3) → 0.0533; 0.5 → 0.5.
    // Step-up: q is the least of p·m/rank over its rank and every larger one.
    expect(q[0]).toBeCloseTo(0.04, 12);
    expect(q[2]).toBeCloseTo((0.04 * 4) / 3, 12);
    expect(q[1]).toBeCloseTo((0.04 * 4) / 3, 12);
    expect(q[3]).toBeCloseTo(0.5, 12);
    expect(benjaminiHochberg([])).toEqual([]);
  });
});
