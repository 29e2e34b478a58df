import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PosError } from '../pos-error.js';
import { addPlanVersion, planToFileJson, readFeePlanFile } from './fee-plan-file.js';

const planText = readFileSync('test/fixtures/fees/plan-m1.json', 'utf8');
const planJson = (): Record<string, unknown> & { versions: Record<string, unknown>[] } =>
  JSON.parse(planText) as Record<string, unknown> & { versions: Record<string, unknown>[] };

function refusal(text: string): PosError {
  try {
    readFeePlanFile(text);
  } catch (error) {
    if (error instanceof PosError) return error;
    throw error;
  }
  throw new Error('the plan was accepted');
}

describe('reading a fee plan file', () => {
  it('reads every part of a valid plan', () => {
    const plan = readFeePlanFile(planText);
    expect(plan.merchantId).toBe('M1');
    expect(plan.devicePriceFen).toBe(9900);
    expect(plan.activation).toEqual({ feeFen: 19900, refund: { volumeFen: 1_000_000, withinDays: 30 } });
    expect(plan.versions.map((v) => [v.version, v.effectiveFrom, v.changedBy])).toEqual([
      [1, '2026-03-01', 'ops:alice'],
      [2, '2026-03-20', 'ops:bob'],
    ]);
    expect(plan.versions[0]?.rates.debit).toEqual({ ratePpm: 6000, capFen: 2000 });
    expect(plan.versions[0]?.rates.foreign).toEqual({ ratePpm: 25000, minimumFen: 100 });
    expect(plan.versions[1]?.addOn).toEqual({
      name: { zh: '秒到', en: 'instant settlement' },
      feeFen: 300,
      instantSettlement: true,
    });
    expect(plan.versions[0]?.annualFee).toEqual({ feeFen: 9900, billingDay: '03-15' });
    expect(plan.versions[0]?.belowCost).toBe(false);
  });

  it('reads back what it writes', () => {
    const plan = readFeePlanFile(planText);
    expect(readFeePlanFile(JSON.stringify(planToFileJson(plan)))).toEqual(plan);
  });

  it.each([
    ['0.6', '0.6'],
    ['6000.0', '6000.0'],
    ['6e3', '6e3'],
  ])('refuses a rate written as a float (%s), naming the field', (written) => {
    const text = planText.replace('"credit": { "ratePpm": 6000 }', `"credit": { "ratePpm": ${written} }`);
    const error = refusal(text);
    expect(error.code).toBe('POS_ERR_FEES_PLAN_INVALID');
    expect(error.problems).toEqual([
      expect.objectContaining({
        field: 'versions[0].rates.credit.ratePpm',
        actual: `${written} (a number with a decimal point or exponent)`,
      }),
    ]);
    expect(error.message).toContain('never a float');
  });

  it('refuses negative values, an unknown card kind and an unknown field, all at once', () => {
    const json = planJson();
    json['devicePriceFen'] = -1;
    const v0 = json.versions[0]!;
    (v0['rates'] as Record<string, unknown>)['amex'] = { ratePpm: 6000 };
    v0['colour'] = 'red';
    const error = refusal(JSON.stringify(json));
    expect(error.code).toBe('POS_ERR_FEES_PLAN_INVALID');
    expect(error.problems.map((p) => p.field)).toEqual([
      'devicePriceFen',
      'versions[0].colour',
      'versions[0].rates.amex',
    ]);
    expect(error.problems[2]?.expected).toContain('card kind (debit, credit, qr or foreign)');
  });

  it('refuses a missing rate, a minimum above the cap, a bad billing day and a bad date', () => {
    const json = planJson();
    const v0 = json.versions[0]!;
    const rates = v0['rates'] as Record<string, unknown>;
    delete rates['qr'];
    rates['debit'] = { ratePpm: 6000, capFen: 2000, minimumFen: 2500 };
    v0['annualFee'] = { feeFen: 9900, billingDay: '02-29' };
    v0['effectiveFrom'] = '2026-02-30';
    const error = refusal(JSON.stringify(json));
    expect(error.problems.map((p) => p.field).sort()).toEqual([
      'versions[0].annualFee.billingDay',
      'versions[0].effectiveFrom',
      'versions[0].rates.debit.minimumFen',
      'versions[0].rates.qr',
    ]);
  });

  it('leaves numbers inside text alone', () => {
    const plan = readFeePlanFile(planText.replace('"ops:alice"', '"ops 1.5e3 \\"x\\" 0.6"'));
    expect(plan.versions[0]?.changedBy).toBe('ops 1.5e3 "x" 0.6');
  });

  it('refuses text that is not JSON', () => {
    expect(refusal('{"format": ').code).toBe('POS_ERR_FEES_PLAN_INVALID');
  });

  it('refuses overlapping versions: two starting the same day, or one starting before the one before', () => {
    const json = planJson();
    json.versions[1]!['effectiveFrom'] = '2026-03-01';
    const same = refusal(JSON.stringify(json));
    expect(same.code).toBe('POS_ERR_FEES_PLAN_OVERLAP');
    expect(same.problems[0]).toMatchObject({ field: 'versions[1].effectiveFrom', actual: '2026-03-01' });
    json.versions[1]!['effectiveFrom'] = '2026-02-10';
    expect(refusal(JSON.stringify(json)).code).toBe('POS_ERR_FEES_PLAN_OVERLAP');
  });

  it('refuses a version made on or after the day it starts: the past is never rewritten', () => {
    const json = planJson();
    json.versions[1]!['changedAt'] = '2026-03-20T09:00:00+08:00';
    const error = refusal(JSON.stringify(json));
    expect(error.code).toBe('POS_ERR_FEES_PLAN_REWRITES_PAST');
    expect(error.problems[0]?.expected).toContain('2026-03-20');
  });

  it('refuses a debit rate below the ceilings, naming both figures, unless belowCost is set', () => {
    const json = planJson();
    (json.versions[0]!['rates'] as Record<string, unknown>)['debit'] = { ratePpm: 3000, capFen: 1500 };
    const error = refusal(JSON.stringify(json));
    expect(error.code).toBe('POS_ERR_FEES_PLAN_BELOW_COST');
    expect(error.problems).toEqual([
      expect.objectContaining({ field: 'versions[0].rates.debit.ratePpm', actual: '3000 ppm (0.30%)' }),
      expect.objectContaining({ field: 'versions[0].rates.debit.capFen', actual: '1500 fen' }),
    ]);
    expect(error.problems[0]?.expected).toContain('3825 ppm (0.3825%');
    expect(error.problems[0]?.expected).toContain('发改价格〔2016〕557号');
    expect(error.problems[1]?.expected).toContain('at least 1625 fen');
    json.versions[0]!['belowCost'] = true;
    expect(readFeePlanFile(JSON.stringify(json)).versions[0]?.belowCost).toBe(true);
  });

  it('refuses a cap on credit cards without belowCost: the issuer fee on credit has no cap', () => {
    const json = planJson();
    (json.versions[1]!['rates'] as Record<string, unknown>)['credit'] = { ratePpm: 6300, capFen: 5000 };
    const error = refusal(JSON.stringify(json));
    expect(error.code).toBe('POS_ERR_FEES_PLAN_BELOW_COST');
    expect(error.problems[0]).toMatchObject({ field: 'versions[1].rates.credit.capFen' });
    expect(error.problems[0]?.expected).toContain('no cap');
  });
});

describe('adding a plan version', () => {
  const plan = readFeePlanFile(planText);
  const change = { ...plan.versions[1]!, effectiveFrom: '2026-05-01', changedBy: 'ops:carol' };

  it('numbers it after the last and stamps who and when', () => {
    const next = addPlanVersion({ plan, change, nowMs: Date.parse('2026-04-10T12:00:00+08:00') });
    expect(next.versions).toHaveLength(3);
    expect(next.versions.slice(0, 2)).toEqual(plan.versions);
    expect(next.versions[2]).toMatchObject({
      version: 3,
      changedBy: 'ops:carol',
      changedAt: '2026-04-10T04:00:00.000Z',
    });
  });

  it('refuses a version starting today or earlier', () => {
    expect(() => addPlanVersion({ plan, change, nowMs: Date.parse('2026-05-01T08:00:00+08:00') })).toThrow(
      expect.objectContaining({ code: 'POS_ERR_FEES_PLAN_REWRITES_PAST' }),
    );
    expect(() =>
      addPlanVersion({
        plan,
        change: { ...change, effectiveFrom: '2026-03-19' },
        nowMs: Date.parse('2026-03-01T08:00:00+08:00'),
      }),
    ).toThrow(expect.objectContaining({ code: 'POS_ERR_FEES_PLAN_OVERLAP' }));
  });
});
