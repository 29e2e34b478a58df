// `fees compare`: the same transactions priced under two or more plans (the merchant's own and
// other providers' offers), so a merchant sees what each would have cost. A plan file for an offer
// usually starts today; its first version then prices the past transactions too.
import { PosError } from '../pos-error.js';
import type { BinTable } from './bin-table.js';
import { aggregateDays, sumTotals, dayTotals, type DayTotals } from './daily-totals.js';
import { yuan } from './fee-lines.js';
import { compilePlan, type BilingualText, type FeePlan } from './fee-plan.js';
import { columnsFromRecords, type FeeTransaction } from './fee-transaction.js';
import { chinaUtcOffsetMinutes, parseDay } from './local-day.js';
import { priceColumns } from './price-columns.js';

/** Comparing is for a handful of offers. */
export const maxComparedPlans = 20;

export interface ComparedPlan {
  readonly label: string;
  readonly plan: FeePlan;
}

export interface CompareInput {
  readonly plans: readonly ComparedPlan[];
  readonly transactions: readonly FeeTransaction[];
  readonly binTable?: BinTable;
  readonly utcOffsetMinutes?: number;
}

export interface PlanCost {
  readonly label: string;
  readonly totals: DayTotals;
  /** Net fees over the transactions (what the merchant would pay in per-transaction fees). */
  readonly feesNetFen: number;
  /** How much more than the cheapest plan; 0 for the cheapest. */
  readonly aboveCheapestFen: number;
}

export interface Comparison {
  /** Cheapest first (ties keep the order given). */
  readonly costs: readonly PlanCost[];
  readonly summary: readonly BilingualText[];
}

export function comparePlans(input: CompareInput): Comparison {
  const { plans, transactions } = input;
  if (plans.length < 2 || plans.length > maxComparedPlans) {
    throw PosError.invalidInput('POS_ERR_FEES_COMPARE_INVALID', 'comparison', [
      { field: 'plans', expected: `2 to ${maxComparedPlans} plans`, actual: String(plans.length) },
    ]);
  }
  const laid = columnsFromRecords({
    transactions,
    utcOffsetMinutes: input.utcOffsetMinutes ?? chinaUtcOffsetMinutes,
    ...(input.binTable === undefined ? {} : { binTable: input.binTable }),
  });
  const { columns } = laid;
  let fromDay = Infinity;
  let toDay = -Infinity;
  for (let row = 0; row < columns.count; row += 1) {
    fromDay = Math.min(fromDay, columns.day[row]!);
    toDay = Math.max(toDay, columns.day[row]!);
  }
  const days = columns.count === 0 ? 1 : toDay - fromDay + 1;
  const start = columns.count === 0 ? 0 : fromDay;
  const priced = plans.map(({ label, plan }) => {
    const compiled = compilePlan(plan, parseDay);
    // Every merchant in the list is priced under the plan compared: it is the merchant's own month.
    const result = priceColumns({
      columns,
      plans: laid.merchantIds.map(() => compiled),
      earliestVersionForPast: true,
      describeRow: (row) => `transaction ${laid.records[row]?.id ?? row}`,
    });
    const table = aggregateDays({
      columns,
      priced: result,
      groupBy: 'merchant',
      groups: Math.max(1, laid.merchantIds.length),
      fromDay: start,
      days,
    });
    const all: DayTotals[] = [];
    for (let group = 0; group < table.groups; group += 1)
      for (let d = 0; d < days; d += 1) all.push(dayTotals(table, group, start + d));
    const totals = sumTotals(all);
    return { label, totals, feesNetFen: totals.feesNetFen };
  });
  const cheapest = Math.min(...priced.map((p) => p.feesNetFen));
  const costs = priced
    .map((p) => ({ ...p, aboveCheapestFen: p.feesNetFen - cheapest }))
    .sort((a, b) => a.feesNetFen - b.feesNetFen);
  const summary = costs.map((c, index) => ({
    zh: `${index + 1}. ${c.label}：${c.totals.salesCount} 笔交易手续费净额 ${yuan(c.feesNetFen)} 元${c.aboveCheapestFen > 0 ? `，比最便宜的方案多 ${yuan(c.aboveCheapestFen)} 元` : '（最便宜）'}。`,
    en: `${index + 1}. ${c.label}: ${yuan(c.feesNetFen)} CNY of net fees on ${c.totals.salesCount} sales${c.aboveCheapestFen > 0 ? `, ${yuan(c.aboveCheapestFen)} CNY more than the cheapest` : ' (the cheapest)'}.`,
  }));
  return { costs, summary };
}
