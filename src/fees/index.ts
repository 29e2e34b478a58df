// The public entry of fee pricing (issue 17): plans, the BIN table, pricing, statements and
// comparisons. A pure core: callers pass the plan, the transactions, the BIN table and the time.
export {
  bankCardCeilings2016,
  formatPercent,
  worstCaseCost,
  type BankCardCeilings,
  type FeeCeiling,
  type WorstCaseCost,
} from './bank-card-ceilings.js';
export {
  binTableEntries,
  binTableFromEntries,
  cardKindOfBin,
  parseBinTable,
  type BinTable,
} from './bin-table.js';
export {
  comparePlans,
  type CompareInput,
  type ComparedPlan,
  type Comparison,
  type PlanCost,
} from './compare-plans.js';
export {
  aggregateDays,
  dayTotals,
  sumTotals,
  totalNames,
  type DayTotals,
  type TotalsTable,
} from './daily-totals.js';
export type { FeeLine, PlanChargeKind, TransactionLineKind } from './fee-lines.js';
export {
  cardKinds,
  compilePlan,
  rateKeys,
  type CardKind,
  type CompiledPlan,
  type FeePlan,
  type FeePlanVersion,
  type Rate,
  type RateKey,
} from './fee-plan.js';
export { addPlanVersion, planToFileJson, readFeePlanFile, validateFeePlan } from './fee-plan-file.js';
export {
  allocateColumns,
  channelOfPaymentMethod,
  channels,
  columnsFromRecords,
  kindCode,
  type Channel,
  type FeeTransaction,
  type TransactionColumns,
  type TransactionKind,
} from './fee-transaction.js';
export { chinaUtcOffsetMinutes, formatDay, localDayOf, parseDay } from './local-day.js';
export { priceColumns, roundHalfUp, roundProductHalfUp, type PricedColumns } from './price-columns.js';
export {
  dailyStatement,
  monthlyStatement,
  priceMerchant,
  type DailyStatement,
  type MonthlyStatement,
} from './statement.js';
