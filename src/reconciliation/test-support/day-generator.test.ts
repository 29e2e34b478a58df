import { describe, expect, it } from 'vitest';
import { generateDay } from './day-generator.js';
import { writeGeneratedDay } from './generated-day-files.js';
import { reconcile } from '../reconcile.js';
import { tempDir } from './day-files.js';

const key = (e: { kind: string; cause: string; rrn: string; relatedRrn: string }): string =>
  `${e.kind} ${e.cause} ${e.rrn} ${e.relatedRrn}`;

describe('a generated day', () => {
  const seed = Number(process.env['RECON_SEED'] ?? 20261125);

  it.each([1, 2] as const)(
    'with known anomalies is reconciled with no exception missed and none invented, on %i thread(s)',
    async (threads) => {
      const day = writeGeneratedDay(tempDir(), { events: 20_000, seed, anomalyRate: 0.2 });
      const result = await reconcile({
        host: { kind: 'csv', path: day.host },
        settlement: { kind: 'csv', path: day.settlement },
        terminal: { kind: 'csv', path: day.terminal },
        threads,
      });
      const found = [...result.exceptions].map(key).sort();
      const expected = day.expected.map(key).sort();
      const missed = expected.filter((e) => !found.includes(e));
      const invented = found.filter((e) => !expected.includes(e));
      const replay = `replay: RECON_SEED=${seed} npx vitest run src/reconciliation/test-support/day-generator.test.ts`;
      expect({ missed: missed.slice(0, 5), invented: invented.slice(0, 5), replay }).toEqual({
        missed: [],
        invented: [],
        replay,
      });
      expect(found).toEqual(expected);
      expect(result).toMatchObject({
        hostRows: day.hostRows,
        terminalRows: day.terminalRows,
        settlementRows: day.settlementRows,
      });
      // Every kind was injected, so every kind was found.
      expect(Object.values(result.exceptionCounts).every((n) => n > 0)).toBe(true);
    },
  );

  it('is the same day for the same seed and another day for another seed', () => {
    const lines = (s: number): string[] => {
      const out: string[] = [];
      generateDay(
        { events: 300, seed: s, anomalyRate: 0.3 },
        { host: (l) => out.push(l), terminal: (l) => out.push(l), settlement: (l) => out.push(l) },
      );
      return out;
    };
    expect(lines(7)).toEqual(lines(7));
    expect(lines(7)).not.toEqual(lines(8));
  });
});
