// Statements and comparisons from the store (`posguard fees statement|compare`, `GET
// .../statements`): reads the merchant's plan, the BIN table and the period's transactions (with
// the originals of its voids and refunds) through the fee port, and hands them to the pure core.
import { PosError } from '../pos-error.js';
import type { StoreReader } from '../payments/ports/store.js';
import { binTableFromEntries } from '../fees/bin-table.js';
import { comparePlans, type ComparedPlan, type Comparison } from '../fees/compare-plans.js';
import type { FeePlan } from '../fees/fee-plan.js';
import { chinaUtcOffsetMinutes, msPerDay, parseDay, parseMonth } from '../fees/local-day.js';
import {
  dailyStatement,
  monthlyStatement,
  type DailyStatement,
  type MonthlyStatement,
} from '../fees/statement.js';

/** The most transactions one statement or comparison prices at once (see POS_ERR_FEES_TOO_MANY_TRANSACTIONS). */
export const maxStatementTransactions = 2_000_000;

export type StatementPeriod = { readonly day: string } | { readonly month: string };

export interface MerchantStatementInput {
  readonly merchantId: string;
  readonly period: StatementPeriod;
  /** One terminal's statement (it must be the merchant's). */
  readonly terminalId?: string;
  readonly nowMs: number;
}

const offsetMs = chinaUtcOffsetMinutes * 60_000;
/** The instant a local day starts. */
const startOfDayMs = (day: number): number => day * msPerDay - offsetMs;

function dateError(field: string, expected: string, actual: string): PosError {
  return PosError.invalidInput('POS_ERR_FEES_STATEMENT_DATE', 'statement date', [
    { field, expected, actual: JSON.stringify(actual) },
  ]);
}

/** The days a period covers, refused with POS_ERR_FEES_STATEMENT_DATE before anything is read. */
function periodDays(period: StatementPeriod): { readonly firstDay: number; readonly days: number } {
  if ('day' in period) {
    const day = parseDay(period.day);
    if (day === undefined) throw dateError('day', 'a date YYYY-MM-DD', period.day);
    return { firstDay: day, days: 1 };
  }
  const month = parseMonth(period.month);
  if (month === undefined) throw dateError('month', 'a month YYYY-MM', period.month);
  return month;
}

async function planOf(reader: StoreReader, merchantId: string): Promise<FeePlan> {
  const stored = await reader.getFeePlan(merchantId);
  if (stored === undefined) {
    throw new PosError(
      'POS_ERR_FEES_NO_PLAN_VERSION',
      `merchant ${JSON.stringify(merchantId)} has no fee plan: set one with \`posguard fees plan set\``,
      { details: { merchantId } },
    );
  }
  return stored.plan;
}

export async function merchantStatement(
  reader: StoreReader,
  input: MerchantStatementInput,
): Promise<DailyStatement | MonthlyStatement> {
  const { merchantId, period, nowMs } = input;
  const { firstDay, days } = periodDays(period);
  const plan = await planOf(reader, merchantId);
  const { terminalId } = input;
  if (terminalId !== undefined && (await reader.getTerminal(merchantId, terminalId)) === undefined) {
    throw new PosError(
      'POS_ERR_FEES_TERMINAL_NOT_FOUND',
      `merchant ${JSON.stringify(merchantId)} has no terminal ${JSON.stringify(terminalId)}`,
      { details: { merchantId, terminalId } },
    );
  }
  const planFirstDay = parseDay(plan.versions[0]?.effectiveFrom ?? '') ?? firstDay;
  // A month reaches back to the plan's first day: the activation refund counts volume from there.
  const fromDay = 'month' in period ? Math.min(firstDay, planFirstDay) : firstDay;
  const transactions = await reader.listFeeTransactions({
    merchantId,
    ...(terminalId === undefined ? {} : { terminalId }),
    fromMs: startOfDayMs(fromDay),
    toMs: startOfDayMs(firstDay + days),
    limit: maxStatementTransactions,
  });
  const binTable = binTableFromEntries(await reader.listBins());
  const terminal = terminalId === undefined ? {} : { terminalId };
  if ('day' in period) {
    return dailyStatement({ plan, transactions, binTable, day: period.day, nowMs, ...terminal });
  }
  // A terminal's month reads only its transactions: the activation refund, counted on the
  // merchant's volume, is not on a terminal's statement.
  return monthlyStatement({ plan, transactions, binTable, month: period.month, nowMs, ...terminal });
}

export interface CompareForMerchantInput {
  readonly merchantId: string;
  readonly month: string;
  readonly plans: readonly ComparedPlan[];
  readonly nowMs: number;
}

/** A month of the merchant's own transactions priced under each plan given. */
export async function compareForMerchant(
  reader: StoreReader,
  input: CompareForMerchantInput,
): Promise<Comparison> {
  const { firstDay, days } = periodDays({ month: input.month });
  const today = Math.floor((input.nowMs + offsetMs) / msPerDay);
  if (firstDay > today) throw dateError('month', 'a month not after this one', input.month);
  const transactions = await reader.listFeeTransactions({
    merchantId: input.merchantId,
    fromMs: startOfDayMs(firstDay),
    toMs: startOfDayMs(firstDay + days),
    limit: maxStatementTransactions,
  });
  const binTable = binTableFromEntries(await reader.listBins());
  return comparePlans({ plans: input.plans, transactions, binTable });
}
