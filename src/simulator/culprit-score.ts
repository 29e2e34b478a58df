// How well a diagnosis found the culprits a fleet planted (issue 14): per cause, the planted
// culprits it named with that cause (found), those it did not (missed), and the subjects it named
// with that cause that were not planted with it (wrong); and how many healthy subjects (planted
// with nothing) it named at all. A subject named twice for one cause (two measures) counts once.
import type { Cause } from '../reconciliation/index.js';
import { causes } from '../reconciliation/index.js';
import type { Culprit, FleetSubject } from './fleet.js';

/** What a diagnosis named: a subject and the cause it gave (a finding, in the diagnosis's names). */
export interface Named extends FleetSubject {
  readonly cause: Cause;
}

export interface CauseScore {
  readonly found: number;
  readonly missed: number;
  readonly wrong: number;
}

export interface CulpritScore {
  readonly byCause: Readonly<Record<Cause, CauseScore>>;
  readonly healthy: number;
  readonly healthyNamed: number;
}

const key = (s: FleetSubject): string => `${s.subjectKind}\u0000${s.subjectId}`;

/** Scores one day's diagnosis against its truth; scores of several days add up with `addScores`. */
export function scoreCulprits(input: {
  readonly culprits: readonly Culprit[];
  readonly subjects: readonly FleetSubject[];
  readonly named: readonly Named[];
}): CulpritScore {
  const planted = new Set(input.culprits.map((c) => `${key(c)}\u0000${c.cause}`));
  const named = new Set(input.named.map((n) => `${key(n)}\u0000${n.cause}`));
  const culpritSubjects = new Set(input.culprits.map(key));
  const byCause = Object.fromEntries(
    causes.map((cause) => {
      const withCause = (entries: ReadonlySet<string>): string[] =>
        [...entries].filter((entry) => entry.endsWith(`\u0000${cause}`));
      const plantedHere = withCause(planted);
      const namedHere = withCause(named);
      return [
        cause,
        {
          found: plantedHere.filter((entry) => named.has(entry)).length,
          missed: plantedHere.filter((entry) => !named.has(entry)).length,
          wrong: namedHere.filter((entry) => !planted.has(entry)).length,
        },
      ];
    }),
  ) as Record<Cause, CauseScore>;
  const healthy = input.subjects.filter((s) => !culpritSubjects.has(key(s)));
  const namedSubjects = new Set(input.named.map(key));
  return {
    byCause,
    healthy: healthy.length,
    healthyNamed: healthy.filter((s) => namedSubjects.has(key(s))).length,
  };
}

export function addScores(a: CulpritScore, b: CulpritScore): CulpritScore {
  const byCause = Object.fromEntries(
    causes.map((cause) => {
      const x = a.byCause[cause];
      const y = b.byCause[cause];
      return [cause, { found: x.found + y.found, missed: x.missed + y.missed, wrong: x.wrong + y.wrong }];
    }),
  ) as Record<Cause, CauseScore>;
  return { byCause, healthy: a.healthy + b.healthy, healthyNamed: a.healthyNamed + b.healthyNamed };
}

/** Precision (found of all named with the cause) and recall (found of all planted); 1 when there is nothing to divide. */
export function precisionRecall(score: CauseScore): { precision: number; recall: number } {
  const named = score.found + score.wrong;
  const planted = score.found + score.missed;
  return {
    precision: named === 0 ? 1 : score.found / named,
    recall: planted === 0 ? 1 : score.found / planted,
  };
}

/** The table the test prints and the README quotes: one line per cause, and the healthy subjects. */
export function scoreTable(score: CulpritScore): string {
  const percent = (x: number): string => x.toFixed(2);
  const lines = [
    'cause        planted  found  missed  wrong  precision  recall',
    ...causes.map((cause) => {
      const s = score.byCause[cause];
      const { precision, recall } = precisionRecall(s);
      return [
        cause.padEnd(12),
        String(s.found + s.missed).padStart(7),
        String(s.found).padStart(6),
        String(s.missed).padStart(7),
        String(s.wrong).padStart(6),
        percent(precision).padStart(10),
        percent(recall).padStart(7),
      ].join(' ');
    }),
    `healthy subjects named: ${score.healthyNamed} of ${score.healthy} (${((100 * score.healthyNamed) / Math.max(1, score.healthy)).toFixed(1)}%)`,
  ];
  return `${lines.join('\n')}\n`;
}
