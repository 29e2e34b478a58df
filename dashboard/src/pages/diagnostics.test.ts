import { describe, expect, it } from 'vitest';
import type { Finding } from '../api.js';
import { sortFindings } from './diagnostics.js';

function finding(id: string, priority: Finding['priority'], atRisk: number, feesFen: number | null): Finding {
  return {
    subject: { kind: 'terminal', id, merchantId: 'M0001', terminalId: id },
    measure: 'terminal.double_reads',
    cause: 'hardware',
    priority,
    remedy: { zh: '检查读卡器', en: 'check the card reader' },
    evidence: {
      events: 3,
      exposure: 60,
      exposureUnit: 'sales',
      rate: 0.05,
      fleetRate: 0.01,
      baselineRate: 0.003,
      pValue: 0.001,
      qValue: 0.01,
      transactionIds: [],
      from: '2026-11-25T00:00:00+08:00',
      to: '2026-11-26T00:00:00+08:00',
    },
    cost: { duplicatesPrevented: 0, duplicatesAtRisk: atRisk, feesAtRiskFen: feesFen },
  };
}

const findings = [finding('T2', 'low', 9, 100), finding('T3', 'high', 1, null), finding('T1', 'high', 4, 50)];

describe('sorting diagnosis findings', () => {
  it('puts high priority first, the costlier first within a priority', () => {
    expect(sortFindings(findings, 'priority').map((f) => f.subject.id)).toEqual(['T1', 'T3', 'T2']);
  });

  it('sorts by duplicates at risk, then fees at risk, and by subject id', () => {
    expect(sortFindings(findings, 'cost').map((f) => f.subject.id)).toEqual(['T2', 'T1', 'T3']);
    expect(sortFindings(findings, 'subject').map((f) => f.subject.id)).toEqual(['T1', 'T2', 'T3']);
  });
});
