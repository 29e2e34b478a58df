// The charges a plan makes outside transactions: the device and the activation fee on the plan's
// first day, the activation fee returned on the day the settled volume reaches the rule's target
// within its window, and the annual service and SIM fees on their billing days. A yearly fee is
// never taken twice within 365 days, even when a new version moves its billing day.
import { assert } from '../assert.js';
import { versionIndexOn, type CompiledPlan, type YearlyFee } from './fee-plan.js';
import type { FeeLine } from './fee-lines.js';
import { yuan } from './fee-lines.js';
import { formatDay } from './local-day.js';

/** A plan is priced over at most this many days (about a century): the loop's bound. */
const maxPlanDays = 36_525;

export interface PlanChargesOptions {
  readonly plan: CompiledPlan;
  /** The last day to look at (the statement's last day). */
  readonly throughDay: number;
  /** The merchant's settled volume (gross: sales less voids, refunds and reversals) of a day. */
  readonly grossFenOn: (day: number) => number;
}

export function planCharges(options: PlanChargesOptions): FeeLine[] {
  const { plan, throughDay, grossFenOn } = options;
  const lines: FeeLine[] = [];
  const first = plan.versions[0]!;
  const firstDay = plan.firstDay;
  if (throughDay < firstDay) return lines;
  assert(throughDay - firstDay <= maxPlanDays, 'a plan priced over at most a century');
  const { devicePriceFen, activation } = plan.plan;
  const v1 = first.source.version;
  if (devicePriceFen > 0) {
    lines.push(
      charge('device', firstDay, devicePriceFen, v1, {
        zh: `终端机具款 ${yuan(devicePriceFen)} 元，开通当日一次性收取。`,
        en: `Device price, ${yuan(devicePriceFen)} CNY, charged once on the plan's first day.`,
      }),
    );
  }
  if (activation.feeFen > 0) {
    const rule = activation.refund;
    lines.push(
      charge('activation-fee', firstDay, activation.feeFen, v1, {
        zh: `激活费 ${yuan(activation.feeFen)} 元${rule === undefined ? '' : `；${rule.withinDays} 天内结算交易额达到 ${yuan(rule.volumeFen)} 元即退还`}。`,
        en: `Activation fee, ${yuan(activation.feeFen)} CNY${rule === undefined ? '' : `; returned once settled volume reaches ${yuan(rule.volumeFen)} CNY within ${rule.withinDays} days`}.`,
      }),
    );
  }
  let volumeFen = 0;
  const refund = activation.feeFen > 0 ? activation.refund : undefined;
  let refundEarned = false;
  const lastAnnual = { annual: -Infinity, sim: -Infinity };
  for (let day = firstDay; day <= throughDay; day += 1) {
    const version = plan.versions[versionIndexOn(plan, day)]!;
    if (refund !== undefined && !refundEarned && day < firstDay + refund.withinDays) {
      volumeFen += grossFenOn(day);
      if (volumeFen >= refund.volumeFen) {
        refundEarned = true;
        lines.push(
          charge('activation-refund', day, -activation.feeFen, version.source.version, {
            zh: `激活费退还 ${yuan(activation.feeFen)} 元：截至 ${formatDay(day)}（开通第 ${day - firstDay + 1} 天）结算交易额 ${yuan(volumeFen)} 元，达到 ${yuan(refund.volumeFen)} 元。`,
            en: `Activation fee returned, ${yuan(activation.feeFen)} CNY: settled volume reached ${yuan(volumeFen)} CNY by ${formatDay(day)} (day ${day - firstDay + 1} of ${refund.withinDays}), the target being ${yuan(refund.volumeFen)} CNY.`,
          }),
        );
      }
    }
    const date = formatDay(day).slice(5);
    for (const which of ['annual', 'sim'] as const) {
      const fee: YearlyFee | undefined =
        which === 'annual' ? version.source.annualFee : version.source.simFee;
      if (fee === undefined || fee.feeFen === 0 || fee.billingDay !== date || day - lastAnnual[which] < 365)
        continue;
      lastAnnual[which] = day;
      const name =
        which === 'annual'
          ? { zh: '年服务费', en: 'Annual service fee' }
          : { zh: 'SIM 卡年费（流量费）', en: 'Yearly SIM (data) fee' };
      lines.push(
        charge(which === 'annual' ? 'annual-fee' : 'sim-fee', day, fee.feeFen, version.source.version, {
          zh: `${name.zh} ${yuan(fee.feeFen)} 元，每年 ${fee.billingDay} 收取，365 天内不重复收取（费率方案第${version.source.version}版）。`,
          en: `${name.en}, ${yuan(fee.feeFen)} CNY, billed on ${fee.billingDay} each year and never twice within 365 days (plan version ${version.source.version}).`,
        }),
      );
    }
  }
  return lines;
}

function charge(
  lineKind: FeeLine['lineKind'],
  day: number,
  feeFen: number,
  planVersion: number,
  explanation: FeeLine['explanation'],
): FeeLine {
  return {
    lineId: `${lineKind}:${formatDay(day)}`,
    transactionId: null,
    terminalId: null,
    day: formatDay(day),
    lineKind,
    amountFen: null,
    feeFen,
    planVersion,
    originalId: null,
    rateKey: null,
    cardKind: null,
    ratePpm: null,
    bound: null,
    addOnFen: 0,
    unknownCard: false,
    aboveCappedFees: false,
    explanation,
  };
}
