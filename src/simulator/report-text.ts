// `posguard simulate`'s report as a table for people, in en (the default) or zh-CN: the counts of
// each protocol, the same per payment method (card, QR), and, with `--fees`, what their duplicate
// charges cost the merchants in fees.
import { formatMajorUnits } from '../money/money.js';
import { causes, type Cause } from '../reconciliation/index.js';
import { faultNames, type FaultRates } from './faults.js';
import type { Counts, MethodCounts } from './accounting.js';
import { paymentMethods } from './intents.js';
import { protocols } from './run-shard.js';
import type { DuplicateFees } from './sim-fees.js';
import type { ProtocolReport, SimulationReport } from './simulate.js';

export const reportLanguages = ['en', 'zh-CN'] as const;
export type ReportLanguage = (typeof reportLanguages)[number];

interface Text {
  readonly en: string;
  readonly zh: string;
}

const causeNames: Record<Cause, Text> = {
  software: { en: 'software', zh: '软件' },
  hardware: { en: 'hardware', zh: '硬件' },
  operator: { en: 'operator', zh: '操作员' },
  network: { en: 'network', zh: '网络' },
  third_party: { en: 'third party', zh: '第三方' },
};

type Row<T> = readonly [Text, (r: T) => string];

const countRows: readonly Row<Counts>[] = [
  [{ en: 'duplicate charges', zh: '重复扣款' }, (r) => String(r.duplicateCharges)],
  [{ en: '  before reconciliation', zh: '  对账前' }, (r) => String(r.duplicateChargesBeforeReconciliation)],
  ...causes.map((c): Row<Counts> => [
    { en: `  caused by ${causeNames[c].en}`, zh: `  ${causeNames[c].zh}原因` },
    (r) => String(r.byCause[c]),
  ]),
  [{ en: 'lost sales', zh: '丢失的交易' }, (r) => String(r.lostSales)],
  [{ en: 'false blocks', zh: '误拦截' }, (r) => String(r.falseBlocks)],
  [{ en: 'operator prompts', zh: '操作员确认提示' }, (r) => String(r.operatorPrompts)],
  [{ en: 'reversals', zh: '冲正' }, (r) => String(r.reversals)],
];

/** Per method: how many purchases, then the counts (causes left to the totals above). */
const methodRows: readonly Row<MethodCounts>[] = [
  [{ en: 'purchases', zh: '购买笔数' }, (r) => String(r.intents)],
  ...countRows.filter(([label]) => !label.en.startsWith('  caused by')),
];

const methodNames: Readonly<Record<string, Text>> = {
  card: { en: 'card', zh: '银行卡 card' },
  qr: { en: 'QR code', zh: '二维码 qr' },
};

const yuan = (fen: number): string => formatMajorUnits(fen, 'CNY');

const feeRows: readonly Row<DuplicateFees>[] = [
  [{ en: 'duplicate charges', zh: '重复扣款笔数' }, (f) => String(f.duplicateCharges)],
  [{ en: '  amount (CNY)', zh: '  金额（元）' }, (f) => yuan(f.duplicateChargesFen)],
  [{ en: '  fees charged (CNY)', zh: '  收取手续费（元）' }, (f) => yuan(f.feesChargedFen)],
  [{ en: 'refunded by reconciliation', zh: '对账后退款笔数' }, (f) => String(f.refundedCount)],
  [{ en: '  fees returned (CNY)', zh: '  退还手续费（元）' }, (f) => yuan(f.feesReturnedFen)],
  [{ en: 'net fees paid (CNY)', zh: '净付手续费（元）' }, (f) => yuan(f.feesNetFen)],
];

/** Columns as a terminal shows them: CJK characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += (ch.codePointAt(0) ?? 0) >= 0x2e80 ? 2 : 1;
  return width;
}
const padEnd = (text: string, width: number): string =>
  text + ' '.repeat(Math.max(0, width - displayWidth(text)));

function table<T>(
  rows: readonly Row<T>[],
  columns: readonly { readonly name: string; readonly value: T }[],
  lang: ReportLanguage,
): string[] {
  const pick = (text: Text): string => (lang === 'zh-CN' ? text.zh : text.en);
  const cells = rows.map(([, value]) => columns.map((c) => value(c.value)));
  const width = Math.max(
    10,
    ...cells.flat().map((cell) => cell.length + 2),
    ...columns.map((c) => c.name.length + 2),
  );
  return [
    `${''.padEnd(28)}${columns.map((c) => c.name.padStart(width)).join('')}`,
    ...rows.map(
      ([label], i) => `${padEnd(pick(label), 28)}${(cells[i] ?? []).map((v) => v.padStart(width)).join('')}`,
    ),
  ];
}

function feesSection(report: SimulationReport, lang: ReportLanguage): string[] {
  if (report.fees === undefined) return [];
  const plan = report.fees.plan === 'demo' ? (lang === 'zh-CN' ? '演示方案' : 'demo') : report.fees.plan;
  const shown = protocols.flatMap((p) => {
    const fees = report.protocols[p]?.fees;
    return fees === undefined ? [] : [{ name: p, value: fees }];
  });
  const lines = [
    '',
    lang === 'zh-CN'
      ? `重复扣款的手续费（费率方案：${plan}）`
      : `fees on duplicate charges (fee plan: ${plan})`,
    ...table(feeRows, shown, lang),
  ];
  const diff = report.fees.naiveMinusGuarded;
  if (diff !== undefined) {
    lines.push(
      '',
      lang === 'zh-CN'
        ? `朴素协议的重复扣款让商户比 posguard（guarded）多付手续费 ${yuan(diff.feesNetFen)} 元（重复扣款多 ${diff.duplicateCharges} 笔，金额 ${yuan(diff.duplicateChargesFen)} 元）。`
        : `The naive protocol's duplicates cost the merchants ${yuan(diff.feesNetFen)} CNY in fees that the guarded run did not (${diff.duplicateCharges} more duplicate charges, ${yuan(diff.duplicateChargesFen)} CNY).`,
    );
  }
  return lines;
}

/** One table per payment method simulated, each with a column per protocol. */
function methodSections(report: SimulationReport, lang: ReportLanguage): string[] {
  return paymentMethods.flatMap((method) => {
    const shown = protocols.flatMap((p) => {
      const counts = report.protocols[p]?.byMethod[method];
      return counts === undefined ? [] : [{ name: p, value: counts }];
    });
    if (shown.length === 0) return [];
    const name = methodNames[method] ?? { en: method, zh: method };
    return [
      '',
      lang === 'zh-CN' ? `按支付方式：${name.zh}` : `by payment method: ${name.en}`,
      ...table(methodRows, shown, lang),
    ];
  });
}

const faultsPlanted: Readonly<Record<string, Text>> = {
  reader_double_reads: { en: 'a card reader that reads twice', zh: '读卡器重复读卡' },
  printer_faults: { en: 'a printer that keeps failing', zh: '打印机频繁故障' },
  software_retransmits: { en: 'old software that retransmits', zh: '旧版软件重发交易' },
  keys_twice: { en: 'keys sales twice', zh: '重复输入交易' },
  high_loss: { en: 'loses requests and answers', zh: '丢失请求和应答' },
  timeouts: { en: 'times out', zh: '超时' },
  double_postings: { en: 'posts charges twice', zh: '重复入账' },
};

/** With `--culprits`: what the seed planted, one line each. */
function culpritsSection(report: SimulationReport, lang: ReportLanguage): string[] {
  if (report.culprits === undefined) return [];
  return [
    '',
    lang === 'zh-CN'
      ? `植入的问题（${report.culprits.length}）：`
      : `culprits planted (${report.culprits.length}):`,
    ...report.culprits.map((c) => {
      const fault = faultsPlanted[c.fault] ?? { en: c.fault, zh: c.fault };
      const cause = causeNames[c.cause];
      return lang === 'zh-CN'
        ? `  ${c.subjectKind} ${c.subjectId}：${fault.zh}（${cause.zh}）`
        : `  ${c.subjectKind} ${c.subjectId}: ${fault.en} (${cause.en})`;
    }),
  ];
}

/** The report as a table for people. */
export function formatReport(
  report: SimulationReport,
  rates: FaultRates,
  lang: ReportLanguage = 'en',
): string {
  const on = faultNames.filter((n) => rates[n] > 0).join(', ');
  const shown = protocols.flatMap((p) => {
    const result: ProtocolReport | undefined = report.protocols[p];
    return result === undefined ? [] : [{ name: p, value: result }];
  });
  const lines = [
    lang === 'zh-CN'
      ? `种子 ${report.seed}，${report.intents} 笔购买，启用的故障：${on || '无'}`
      : `seed ${report.seed}, ${report.intents} intents, faults on: ${on || 'none'}`,
    '',
    ...table(countRows, shown, lang),
    ...methodSections(report, lang),
    ...feesSection(report, lang),
    ...culpritsSection(report, lang),
    '',
    lang === 'zh-CN'
      ? `${report.timing.wallMs} 毫秒，每秒 ${report.timing.intentsPerSecond} 笔`
      : `${report.timing.wallMs} ms, ${report.timing.intentsPerSecond} intents/s`,
    '',
  ];
  return lines.join('\n');
}
