// A statement as a person reads it, in zh-CN or en (the CLI's default output), and as CSV (one
// row per fee line, both explanations included, so a spreadsheet can check every fen).
import type { BilingualText } from './fee-plan.js';
import { yuan } from './fee-lines.js';
import type { Comparison } from './compare-plans.js';
import type { DailyStatement, MonthlyStatement } from './statement.js';

export const statementLanguages = ['zh-CN', 'en'] as const;
export type StatementLanguage = (typeof statementLanguages)[number];

const pick = (text: BilingualText, lang: StatementLanguage): string => (lang === 'zh-CN' ? text.zh : text.en);

/** The labels of the figures shown, in both languages. */
const labels = {
  sales: { zh: '消费', en: 'Sales' },
  voids: { zh: '撤销', en: 'Voids' },
  refunds: { zh: '退货', en: 'Refunds' },
  duplicates: { zh: '重复扣款退款', en: 'Duplicate charges refunded' },
  reversals: { zh: '冲正', en: 'Reversals' },
  gross: { zh: '交易净额', en: 'Gross' },
  feesCharged: { zh: '手续费', en: 'Fees charged' },
  feesReturned: { zh: '退还手续费', en: 'Fees returned' },
  feesNet: { zh: '手续费净额', en: 'Net fees' },
  planCharges: {
    zh: '方案费用（机具、激活、年费、流量费）',
    en: 'Plan charges (device, activation, annual, SIM)',
  },
  terminalPlanCharges: { zh: '方案费用（机具、流量费）', en: 'Plan charges (device, SIM)' },
  net: { zh: '应结算金额', en: 'Net to be paid' },
  settlement: { zh: '结算日', en: 'Settlement date' },
  unknown: { zh: '未知卡种笔数', en: 'Unknown cards' },
} satisfies Record<string, BilingualText>;

export function statementText(statement: DailyStatement | MonthlyStatement, lang: StatementLanguage): string {
  const l = (key: keyof typeof labels): string => pick(labels[key], lang);
  const t = statement.totals;
  const terminal = statement.terminalId;
  const whose =
    lang === 'zh-CN'
      ? `商户 ${statement.merchantId}${terminal === null ? '' : ` 终端 ${terminal}`}`
      : `merchant ${statement.merchantId}${terminal === null ? '' : `, terminal ${terminal}`}`;
  const head =
    statement.kind === 'daily'
      ? lang === 'zh-CN'
        ? `${whose} ${statement.day} 日结算单`
        : `Daily statement of ${whose}, ${statement.day}`
      : lang === 'zh-CN'
        ? `${whose} ${statement.month} 月结算单`
        : `Monthly statement of ${whose}, ${statement.month}`;
  const feesReturned =
    t.feesReturnedOnVoidFen +
    t.feesReturnedOnRefundFen +
    t.feesReturnedOnDuplicateFen +
    t.feesReturnedOnReversalFen;
  const rows: [string, string][] = [
    [l('sales'), `${t.salesCount} / ${yuan(t.salesFen)}`],
    [l('voids'), `${t.voidsCount} / ${yuan(t.voidsFen)}`],
    [l('refunds'), `${t.refundsCount} / ${yuan(t.refundsFen)}`],
    [l('duplicates'), `${t.duplicateRefundsCount} / ${yuan(t.duplicateRefundsFen)}`],
    [l('reversals'), `${t.reversalsCount} / ${yuan(t.reversalsFen)}`],
    [l('gross'), yuan(t.grossFen)],
    [l('feesCharged'), yuan(t.feesChargedFen)],
    [l('feesReturned'), yuan(feesReturned)],
    [l('feesNet'), yuan(t.feesNetFen)],
    [l('unknown'), String(t.unknownCardCount)],
  ];
  if (statement.kind === 'daily') {
    rows.push(
      [l('net'), yuan(t.netFen)],
      [l('settlement'), `${statement.settlementDate} (${statement.settlement})`],
    );
  } else {
    const charges = Object.values(statement.planChargesFen).reduce((sum, fen) => sum + fen, 0);
    rows.push(
      [l(terminal === null ? 'planCharges' : 'terminalPlanCharges'), yuan(charges)],
      [l('net'), yuan(statement.netFen)],
    );
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    head,
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`),
    '',
    ...statement.lines.map(
      (line) => `  ${line.lineId}  ${yuan(line.feeFen)}  ${pick(line.explanation, lang)}`,
    ),
    ...(statement.notices.length === 0 ? [] : ['', ...statement.notices.map((n) => `  ! ${pick(n, lang)}`)]),
  ];
  return `${lines.join('\n')}\n`;
}

const csvColumns = [
  'line_id',
  'transaction_id',
  'terminal_id',
  'day',
  'kind',
  'amount_fen',
  'fee_fen',
  'plan_version',
  'rate_ppm',
  'bound',
  'explanation_zh',
  'explanation_en',
] as const;

/** RFC 4180 quoting where a cell needs it. */
const cell = (value: string | number | null): string => {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function statementCsv(statement: DailyStatement | MonthlyStatement): string {
  const rows = statement.lines.map((line) =>
    [
      line.lineId,
      line.transactionId,
      line.terminalId,
      line.day,
      line.lineKind,
      line.amountFen,
      line.feeFen,
      line.planVersion,
      line.ratePpm,
      line.bound,
      line.explanation.zh,
      line.explanation.en,
    ]
      .map(cell)
      .join(','),
  );
  return `${[csvColumns.join(','), ...rows].join('\r\n')}\r\n`;
}

export function comparisonText(comparison: Comparison, lang: StatementLanguage): string {
  return `${comparison.summary.map((line) => pick(line, lang)).join('\n')}\n`;
}
