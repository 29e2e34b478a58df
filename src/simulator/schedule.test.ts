import { describe, expect, it } from 'vitest';
import { luhnValid } from '../cards/card.js';
import { generateIntents, panOf } from './intents.js';
import { Schedule } from './schedule.js';

describe('the fault schedule', () => {
  it('decides each occasion from the seed alone, the same every time and in any order', () => {
    const a = new Schedule(7);
    const b = new Schedule(7);
    const occasions = Array.from({ length: 200 }, (_, i) => ['answer_lost', i, 0] as const);
    const first = occasions.map((o) => a.strikes(0.1, ...o));
    const reversed = [...occasions]
      .reverse()
      .map((o) => b.strikes(0.1, ...o))
      .reverse();
    expect(reversed).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(5);
    expect(first.filter(Boolean).length).toBeLessThan(40);
    expect(new Schedule(8).uniform('x', 1)).not.toBe(a.uniform('x', 1));
  });

  it('never strikes at rate 0 and always at rate 1', () => {
    const s = new Schedule(1);
    for (let i = 0; i < 100; i += 1) {
      expect(s.strikes(0, 'f', i)).toBe(false);
      expect(s.strikes(1, 'f', i)).toBe(true);
    }
  });
});

describe('intents', () => {
  it('spreads a day over the terminals with valid cards and some genuine repeat purchases', () => {
    const intents = generateIntents({ count: 5000, terminals: 10, seed: 3 });
    expect(intents).toHaveLength(5000);
    expect(new Set(intents.map((i) => i.terminal)).size).toBe(10);
    const repeats = intents.filter((i) => i.repeatOf !== null);
    expect(repeats.length).toBeGreaterThan(20);
    for (const repeat of repeats) {
      const first = intents[repeat.repeatOf ?? -1];
      expect(first).toMatchObject({ card: repeat.card, amount: repeat.amount, terminal: repeat.terminal });
      expect(repeat.atMs - (first?.atMs ?? 0)).toBeLessThanOrEqual(60_000);
    }
    expect(intents.every((i) => luhnValid(panOf(i.card)))).toBe(true);
    expect(generateIntents({ count: 5000, terminals: 10, seed: 3 })).toEqual(intents);
  });
});
