import { describe, expect, it } from 'vitest';
import { addScores, precisionRecall, scoreCulprits, scoreTable } from './culprit-score.js';
import type { Culprit, FleetSubject } from './fleet.js';

const subjects: FleetSubject[] = ['T1', 'T2', 'T3', 'T4'].map((id) => ({
  subjectKind: 'terminal',
  subjectId: id,
}));
const culprits: Culprit[] = [
  { subjectKind: 'terminal', subjectId: 'T1', cause: 'hardware', fault: 'printer_faults' },
  { subjectKind: 'terminal', subjectId: 'T2', cause: 'software', fault: 'software_retransmits' },
];

describe('scoring a diagnosis against the planted culprits', () => {
  it('counts found, missed and wrong per cause, a subject named twice for one cause once', () => {
    const score = scoreCulprits({
      culprits,
      subjects,
      named: [
        { subjectKind: 'terminal', subjectId: 'T1', cause: 'hardware' },
        { subjectKind: 'terminal', subjectId: 'T1', cause: 'hardware' },
        // T2 named for the wrong cause: its software goes missed, and a network naming is wrong.
        { subjectKind: 'terminal', subjectId: 'T2', cause: 'network' },
        { subjectKind: 'terminal', subjectId: 'T3', cause: 'hardware' },
      ],
    });
    expect(score.byCause.hardware).toEqual({ found: 1, missed: 0, wrong: 1 });
    expect(score.byCause.software).toEqual({ found: 0, missed: 1, wrong: 0 });
    expect(score.byCause.network).toEqual({ found: 0, missed: 0, wrong: 1 });
    expect({ healthy: score.healthy, healthyNamed: score.healthyNamed }).toEqual({
      healthy: 2,
      healthyNamed: 1,
    });
    expect(precisionRecall(score.byCause.hardware)).toEqual({ precision: 0.5, recall: 1 });
    const twice = addScores(score, score);
    expect(twice.byCause.hardware).toEqual({ found: 2, missed: 0, wrong: 2 });
    expect(scoreTable(twice)).toContain('healthy subjects named: 2 of 4 (50.0%)');
  });
});
