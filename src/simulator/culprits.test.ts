import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { causes } from '../reconciliation/index.js';
import { addScores, precisionRecall, scoreCulprits, scoreTable } from './culprit-score.js';
import { culpritDays } from './test-support/culprit-days.js';

// The proof of issue 14 on the simulator: `posguard simulate --culprits --db FILE` then
// `posguard diagnose --db FILE`, over seeds 1 to 20. A fleet of 8 terminals (16 operators, five
// networks, three providers) and the fewest purchases that give the diagnosis the power it needs:
// about 90 per terminal, so that every terminal has its 30 card sales and every operator enough
// sales to tell one who keys twice. Two worker threads, ten days each.
const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
const intents = 640;
const terminals = 8;

describe('a fleet with planted culprits, diagnosed (issue 14)', () => {
  it('finds the culprits of seeds 1 to 20 with precision and recall of at least 0.9 per cause, and names at most 5% of the healthy subjects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'posguard-culprits-'));
    try {
      const jobs = seeds.map((seed) => ({ seed, intents, terminals, methods: ['card', 'qr'] as const, dir }));
      const days = await culpritDays(jobs, 2);
      expect(days.map((d) => d.seed)).toEqual(seeds);
      const scores = days.map(scoreCulprits);
      const total = scores.reduce(addScores);
      const slips = days.flatMap((day) => {
        const planted = new Set(day.culprits.map((c) => `${c.subjectKind} ${c.subjectId} ${c.cause}`));
        const named = new Set(day.named.map((n) => `${n.subjectKind} ${n.subjectId} ${n.cause}`));
        return [
          ...[...planted].filter((c) => !named.has(c)).map((c) => `seed ${day.seed} missed ${c}`),
          ...day.named
            .filter((n) => !planted.has(`${n.subjectKind} ${n.subjectId} ${n.cause}`))
            .map((n) => `seed ${day.seed} wrongly named ${n.subjectKind} ${n.subjectId} (${n.measure})`),
        ];
      });
      const slowest = Math.max(...days.map((d) => d.wallMs));
      console.log(
        `Culprits found by posguard diagnose, seeds 1 to 20 (${intents} purchases, ${terminals} terminals a day; slowest day ${slowest} ms):\n` +
          `${scoreTable(total)}${slips.length === 0 ? '' : `${slips.join('\n')}\n`}`,
      );
      for (const cause of causes) {
        const score = total.byCause[cause];
        const { precision, recall } = precisionRecall(score);
        expect(score.found + score.missed, cause).toBeGreaterThanOrEqual(20);
        expect(precision, `precision, ${cause}`).toBeGreaterThanOrEqual(0.9);
        expect(recall, `recall, ${cause}`).toBeGreaterThanOrEqual(0.9);
      }
      expect(total.healthyNamed / total.healthy).toBeLessThanOrEqual(0.05);
      // And posguard keeps its promise among the culprits.
      for (const day of days) {
        expect(day.duplicateCharges, `seed ${day.seed}`).toBe(0);
        expect(day.lostSales, `seed ${day.seed}`).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
