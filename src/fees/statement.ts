// Daily and monthly statements for one merchant or one of its terminals: the totals, every line
// with its transaction id and explanation, the settlement date (T+1, or D0 under an instant
// settlement add-on), and notices in zh-CN and en (unknown cards counted, debit fees above the
// capped wholesale fees). Pure: the plan, the transactions, the BIN table and "now" are passed in.
import { PosError } from '../pos-error.js';
import { bankCardCeilings2016, worstCaseCost, type BankCardCeilings } from './bank-card-ceilings.js';
import type { BinTable } from './bin-table.js';
import {
  aggregateDays,
  dayTotals,
  sumTotals,
  totalNames,
  type DayTotals,
  type TotalsTable,
} from './daily-totals.js';
import { transactionLines, yuan, type FeeLine, type PlanChargeKind } from './fee-lines.js';
import {
  compilePlan,
  versionIndexOn,
  type BilingualText,
  type CompiledPlan,
  type FeePlan,
} from './fee-plan.js';
import { columnsFromRecords, type ColumnsFromRecords, type FeeTransaction } from './fee-transaction.js';
import { chinaUtcOffsetMinutes, formatDay, localDayOf, parseDay, parseMonth } from './local-day.js';
import { planCharges } from './plan-charges.js';
import { priceColumns, roundProductHalfUp, type PricedColumns } from './price-columns.js';

export interface StatementInput {
  readonly plan: FeePlan;
  /** The merchant's transactions of the period, with the sales its voids and refunds act on. */
  readonly transactions: readonly FeeTransaction[];
  readonly binTable?: BinTable;
  /** Now, to refuse statements of days still to come. */
  readonly nowMs: number;
  readonly utcOffsetMinutes?: number;
  readonly ceilings?: BankCardCeilings;
}

export interface PricedMerchant extends ColumnsFromRecords {
  readonly plan: CompiledPlan;
  readonly priced: PricedColumns;
  readonly debitCappedFeesFen: number;
}

/** Prices one merchant's transactions under its plan. */
export function priceMerchant(input: Omit<StatementInput, 'nowMs'>): PricedMerchant {
  const offset = input.utcOffsetMinutes ?? chinaUtcOffsetMinutes;
  const plan = compilePlan(input.plan, parseDay);
  const foreign = input.transactions.findIndex((t) => t.merchantId !== input.plan.merchantId);
  if (foreign >= 0) {
    throw PosError.invalidInput('POS_ERR_FEES_TRANSACTION_INVALID', 'transactions', [
      {
        field: `transactions[${foreign}].merchantId`,
        expected: `the plan's merchant, ${input.plan.merchantId}`,
        actual: String(input.transactions[foreign]?.merchantId),
      },
    ]);
  }
  const laid = columnsFromRecords({
    transactions: input.transactions,
    utcOffsetMinutes: offset,
    ...(input.binTable === undefined ? {} : { binTable: input.binTable }),
  });
  const debitCappedFeesFen = worstCaseCost(input.ceilings ?? bankCardCeilings2016, 'debit').cappedFen;
  const priced = priceColumns({
    columns: laid.columns,
    plans: [plan],
    debitCappedFeesFen,
    describeRow: (row) => `transaction ${laid.records[row]?.id ?? row}`,
  });
  return { ...laid, plan, priced, debitCappedFeesFen };
}

export interface DailyStatement {
  readonly kind: 'daily';
  readonly merchantId: string;
  readonly terminalId: string | null;
  readonly day: string;
  /** The version in effect on the day; null before the plan's first day. */
  readonly planVersion: number | null;
  readonly settlement: 'T+1' | 'D0';
  readonly settlementDate: string;
  readonly totals: DayTotals;
  readonly lines: readonly FeeLine[];
  readonly notices: readonly BilingualText[];
}

export interface DailyStatementInput extends StatementInput {
  readonly day: string;
  readonly terminalId?: string;
}

export function dailyStatement(input: DailyStatementInput): DailyStatement {
  const offset = input.utcOffsetMinutes ?? chinaUtcOffsetMinutes;
  const day = parseDay(input.day);
  if (day === undefined) throw dateError('day', 'a date YYYY-MM-DD', input.day);
  const today = localDayOf(input.nowMs, offset);
  if (day > today) throw dateError('day', `a day not after today (${formatDay(today)})`, input.day);
  const merchant = priceMerchant(input);
  const byTerminal = input.terminalId !== undefined;
  const groupKey = `${input.plan.merchantId}/${input.terminalId ?? ''}`;
  const group = byTerminal ? merchant.terminalIds.indexOf(groupKey) : 0;
  const table = aggregateDays({
    columns: merchant.columns,
    priced: merchant.priced,
    groupBy: byTerminal ? 'terminal' : 'merchant',
    groups: Math.max(1, byTerminal ? merchant.terminalIds.length : 1),
    fromDay: day,
    days: 1,
  });
  const totals = group < 0 ? emptyTotals(day) : dayTotals(table, group, day);
  const rows = rowsWhere(
    merchant,
    (row) => merchant.columns.day[row] === day && (!byTerminal || merchant.columns.terminal[row] === group),
  );
  const lines = transactionLines({ ...merchant, rows });
  const v = versionIndexOn(merchant.plan, day);
  const version = merchant.plan.versions[v];
  const instant = version?.instantSettlement === true;
  return {
    kind: 'daily',
    merchantId: input.plan.merchantId,
    terminalId: input.terminalId ?? null,
    day: formatDay(day),
    planVersion: version?.source.version ?? null,
    settlement: instant ? 'D0' : 'T+1',
    settlementDate: formatDay(instant ? day : day + 1),
    totals,
    lines,
    notices: notices(merchant, totals, v < 0 ? [] : [v]),
  };
}

export interface MonthlyStatement {
  readonly kind: 'monthly';
  readonly merchantId: string;
  /** One terminal's statement: its transactions, and of the plan charges the device and SIM fees. */
  readonly terminalId: string | null;
  readonly month: string;
  readonly totals: DayTotals;
  /** Plan charges of the month, by kind; the activation refund is negative. */
  readonly planChargesFen: Readonly<
    Record<'device' | 'activation-fee' | 'activation-refund' | 'annual-fee' | 'sim-fee', number>
  >;
  /** Net to the merchant: the days' net less the plan charges (plus an activation refund). */
  readonly netFen: number;
  readonly days: readonly {
    readonly day: string;
    readonly settlementDate: string;
    readonly totals: DayTotals;
  }[];
  readonly lines: readonly FeeLine[];
  readonly notices: readonly BilingualText[];
}

export interface MonthlyStatementInput extends StatementInput {
  /** `YYYY-MM`. The transactions must reach back to the plan's first day for the activation refund. */
  readonly month: string;
  readonly terminalId?: string;
}

/**
 * The plan charges a terminal's statement carries: the ones a device brings (its price and its
 * SIM's yearly fee). The activation fee, its refund (earned on the merchant's volume) and the annual
 * service fee are the merchant's, on the merchant's statement only.
 */
export const terminalPlanCharges: ReadonlySet<PlanChargeKind> = new Set(['device', 'sim-fee']);

export function monthlyStatement(input: MonthlyStatementInput): MonthlyStatement {
  const offset = input.utcOffsetMinutes ?? chinaUtcOffsetMinutes;
  const month = parseMonth(input.month);
  if (month === undefined) throw dateError('month', 'a month YYYY-MM', input.month);
  const today = localDayOf(input.nowMs, offset);
  if (month.firstDay > today)
    throw dateError('month', `a month not after this one (${formatDay(today).slice(0, 7)})`, input.month);
  const merchant = priceMerchant(input);
  const lastDay = month.firstDay + month.days - 1;
  const fromDay = Math.min(merchant.plan.firstDay, month.firstDay);
  const span = { fromDay, days: lastDay - fromDay + 1 };
  const table = aggregateDays({ ...merchant, ...span, groupBy: 'merchant', groups: 1 });
  const terminalId = input.terminalId ?? null;
  // A terminal's figures come from its own rows; the plan charges still count the merchant's volume.
  const group =
    terminalId === null ? 0 : merchant.terminalIds.indexOf(`${input.plan.merchantId}/${terminalId}`);
  const own =
    terminalId === null
      ? table
      : aggregateDays({
          ...merchant,
          ...span,
          groupBy: 'terminal',
          groups: Math.max(1, merchant.terminalIds.length),
        });
  const totalsOn = (day: number): DayTotals => (group < 0 ? emptyTotals(day) : dayTotals(own, group, day));
  const { days, versionsUsed } = activeDays(merchant.plan, totalsOn, month.firstDay, lastDay);
  const totals = sumTotals(days.map((d) => d.totals));
  const charges = planCharges({
    plan: merchant.plan,
    throughDay: lastDay,
    grossFenOn: (day) => dayTotals(table, 0, day).grossFen,
  })
    .filter((line) => line.day >= formatDay(month.firstDay))
    .filter((line) => terminalId === null || terminalPlanCharges.has(line.lineKind as PlanChargeKind))
    .map((line) => (terminalId === null ? line : { ...line, terminalId }));
  const rows = rowsWhere(
    merchant,
    (row) =>
      merchant.columns.day[row]! >= month.firstDay &&
      merchant.columns.day[row]! <= lastDay &&
      (terminalId === null || merchant.columns.terminal[row] === group),
  );
  const lines = [...transactionLines({ ...merchant, rows }), ...charges].sort((a, b) =>
    a.day < b.day ? -1 : a.day > b.day ? 1 : 0,
  );
  const planChargesFen = chargesByKind(charges);
  const chargedFen = Object.values(planChargesFen).reduce((sum, fen) => sum + fen, 0);
  return {
    kind: 'monthly',
    merchantId: input.plan.merchantId,
    terminalId,
    month: input.month,
    totals,
    planChargesFen,
    netFen: totals.netFen - chargedFen,
    days,
    lines,
    notices: notices(merchant, totals, [...versionsUsed]),
  };
}

/** The month's days that saw a transaction, each with its settlement date; and the plan versions in effect. */
function activeDays(
  plan: CompiledPlan,
  totalsOn: (day: number) => DayTotals,
  firstDay: number,
  lastDay: number,
): { days: MonthlyStatement['days'][number][]; versionsUsed: Set<number> } {
  const days: MonthlyStatement['days'][number][] = [];
  const versionsUsed = new Set<number>();
  for (let day = firstDay; day <= lastDay; day += 1) {
    const totals = totalsOn(day);
    const v = versionIndexOn(plan, day);
    if (v >= 0) versionsUsed.add(v);
    if (
      totals.salesCount +
        totals.voidsCount +
        totals.refundsCount +
        totals.duplicateRefundsCount +
        totals.reversalsCount ===
      0
    )
      continue;
    const instant = plan.versions[v]?.instantSettlement === true;
    days.push({ day: formatDay(day), settlementDate: formatDay(instant ? day : day + 1), totals });
  }
  return { days, versionsUsed };
}

/** The plan charges added up by kind, every kind present (0 when none). */
function chargesByKind(charges: readonly FeeLine[]): MonthlyStatement['planChargesFen'] {
  const planChargesFen = {
    device: 0,
    'activation-fee': 0,
    'activation-refund': 0,
    'annual-fee': 0,
    'sim-fee': 0,
  };
  for (const line of charges) planChargesFen[line.lineKind as keyof typeof planChargesFen] += line.feeFen;
  return planChargesFen;
}

function rowsWhere(merchant: PricedMerchant, keep: (row: number) => boolean): number[] {
  const rows: number[] = [];
  for (let row = 0; row < merchant.columns.count; row += 1) if (keep(row)) rows.push(row);
  return rows;
}

/** A debit sale this large reaches both caps of the 2016 ceilings (the network's at 10,000 CNY). */
const largeDebitSaleFen = 1_000_000;

function notices(merchant: PricedMerchant, totals: DayTotals, versions: readonly number[]): BilingualText[] {
  const list: BilingualText[] = [];
  if (totals.unknownCardCount > 0) {
    list.push({
      zh: `${totals.unknownCardCount} 笔交易的卡 BIN 不在卡表中，按方案最高费率计费。`,
      en: `${totals.unknownCardCount} sale(s) by a card whose BIN is not in the table were priced at the plan's highest rate.`,
    });
  }
  if (totals.aboveCappedFeesCount > 0) {
    list.push({
      zh: `${totals.aboveCappedFeesCount} 笔借记卡交易的手续费高于封顶的发卡行服务费与网络服务费合计 ${yuan(merchant.debitCappedFeesFen)} 元。`,
      en: `${totals.aboveCappedFeesCount} debit sale(s) were charged more than the ${yuan(merchant.debitCappedFeesFen)} CNY the capped issuer and network fees come to.`,
    });
  }
  for (const index of versions) {
    const version = merchant.plan.versions[index]!;
    const rate = version.source.rates.debit;
    const fee = Math.min(
      Math.max(roundProductHalfUp(largeDebitSaleFen, rate.ratePpm, 1_000_000), rate.minimumFen ?? 0),
      rate.capFen ?? Infinity,
    );
    if (fee <= merchant.debitCappedFeesFen) continue;
    list.push({
      zh: `费率方案第${version.source.version}版：一笔 ${yuan(largeDebitSaleFen)} 元的借记卡交易收取手续费 ${yuan(fee)} 元，而封顶的发卡行服务费与网络服务费合计仅 ${yuan(merchant.debitCappedFeesFen)} 元（发改价格〔2016〕557号）。`,
      en: `Plan version ${version.source.version}: a debit sale of ${yuan(largeDebitSaleFen)} CNY is charged ${yuan(fee)} CNY, where the capped issuer and network fees come to ${yuan(merchant.debitCappedFeesFen)} CNY (发改价格〔2016〕557号).`,
    });
  }
  return list;
}

function emptyTotals(day: number): DayTotals {
  const empty: TotalsTable = {
    groups: 1,
    fromDay: day,
    days: 1,
    values: new Float64Array(totalNames.length),
  };
  return dayTotals(empty, 0, day);
}

function dateError(field: string, expected: string, actual: string): PosError {
  return PosError.invalidInput('POS_ERR_FEES_STATEMENT_DATE', 'statement date', [
    { field, expected, actual: JSON.stringify(actual) },
  ]);
}
