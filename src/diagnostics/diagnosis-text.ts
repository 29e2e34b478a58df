// The diagnosis in words (issue 14), in zh-CN and en: the report `posguard diagnose` prints, with
// the period, what was examined, each finding's sentence (remedy-text.ts) with its evidence and
// cost, and every provider's availability and latency.
import type { Diagnosis, Finding } from './diagnose.js';
import { formatCount, subjectName, type DiagnosisLanguage } from './remedy-text.js';
import { chinaIsoTime } from './telemetry.js';
import type { BilingualText, SubjectKind } from './measures.js';

export { diagnosisLanguages, type DiagnosisLanguage } from './remedy-text.js';

const plural = (n: number, noun: string): string => `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;

const words = {
  'zh-CN': {
    title: '机队诊断：重复交易从哪里来',
    period: '期间',
    scopeFleet: '范围：整个机队',
    scopeMerchant: (id: string) => `范围：商户 ${id} 自己的交易`,
    examined: (s: Record<SubjectKind, number>, tests: number, rows: number) =>
      `已检查：终端 ${s.terminal}、操作员 ${s.operator}、网络 ${s.network}、服务商 ${s.provider}；检验 ${tests} 项，读取 ${formatCount(rows)} 行`,
    method: (alpha: number) => `方法：单侧精确检验（二项或泊松），Benjamini-Hochberg 校正，显著性 ${alpha}`,
    none: '没有达到显著性和最小效应的发现：机队各对象与其余机队无明显差异。',
    findings: (n: number) => `发现 ${n} 项：`,
    priority: { high: '高', medium: '中', low: '低' },
    cause: {
      software: '软件缺陷',
      hardware: '硬件故障',
      operator: '操作失误',
      network: '网络延迟',
      third_party: '第三方故障',
    },
    evidence: (f: Finding) =>
      `证据：${formatCount(f.evidence.events)} 次 / ${formatCount(f.evidence.exposure)}，预期 ${f.evidence.expected.toFixed(1)}，q=${f.evidence.qValue.toExponential(1)}`,
    cost: (f: Finding) =>
      `代价：已拦截重复 ${f.cost.duplicatesPrevented}，有风险重复 ${f.cost.duplicatesAtRisk}${f.cost.feesAtRiskFen === null || f.cost.duplicatesAtRisk === 0 ? '' : `，风险手续费 ${(f.cost.feesAtRiskFen / 100).toFixed(2)} 元`}`,
    ids: '交易',
    providers: '服务商可用性与时延：',
    provider: (name: string, calls: number, availability: string, p50: string, p95: string) =>
      `${name}：调用 ${formatCount(calls)} 次，可用性 ${availability}，时延 p50 ${p50} / p95 ${p95}`,
  },
  en: {
    title: 'Fleet diagnosis: where duplicates come from',
    period: 'Period',
    scopeFleet: 'Scope: the whole fleet',
    scopeMerchant: (id: string) => `Scope: merchant ${id}'s own traffic`,
    examined: (s: Record<SubjectKind, number>, tests: number, rows: number) =>
      `Examined: ${plural(s.terminal, 'terminal')}, ${plural(s.operator, 'operator')}, ${plural(s.network, 'network')}, ${plural(s.provider, 'provider')}; ${plural(tests, 'test')} on ${formatCount(rows)} rows`,
    method: (alpha: number) =>
      `Method: one-sided exact tests (binomial or Poisson), Benjamini-Hochberg corrected, significance ${alpha}`,
    none: 'No finding reaches significance and the minimum effect: no subject stands out from the rest of the fleet.',
    findings: (n: number) => `${n} finding${n === 1 ? '' : 's'}:`,
    priority: { high: 'high', medium: 'medium', low: 'low' },
    cause: {
      software: 'software defect',
      hardware: 'hardware fault',
      operator: 'operator error',
      network: 'network latency',
      third_party: 'third-party fault',
    },
    evidence: (f: Finding) =>
      `Evidence: ${formatCount(f.evidence.events)} in ${formatCount(f.evidence.exposure)}, ${f.evidence.expected.toFixed(1)} expected, q=${f.evidence.qValue.toExponential(1)}`,
    cost: (f: Finding) =>
      `Cost: ${f.cost.duplicatesPrevented} duplicates prevented, ${f.cost.duplicatesAtRisk} at risk${f.cost.feesAtRiskFen === null || f.cost.duplicatesAtRisk === 0 ? '' : `, fees at risk ${(f.cost.feesAtRiskFen / 100).toFixed(2)} CNY`}`,
    ids: 'Transactions',
    providers: 'Provider availability and latency:',
    provider: (name: string, calls: number, availability: string, p50: string, p95: string) =>
      `${name}: ${formatCount(calls)} calls, availability ${availability}, latency p50 ${p50} / p95 ${p95}`,
  },
} as const;

const pick = (text: BilingualText, lang: DiagnosisLanguage): string => (lang === 'zh-CN' ? text.zh : text.en);

function findingLines(f: Finding, index: number, lang: DiagnosisLanguage): string[] {
  const w = words[lang];
  const lines = [
    `${index + 1}. [${w.priority[f.priority]}] [${w.cause[f.cause]}] ${pick(f.remedy, lang)}`,
    `   ${w.evidence(f)}`,
    `   ${w.cost(f)}`,
  ];
  if (f.evidence.transactionIds.length > 0)
    lines.push(`   ${w.ids}: ${f.evidence.transactionIds.join(', ')}`);
  return lines;
}

/** The report as `posguard diagnose` prints it. */
export function diagnosisText(d: Diagnosis, lang: DiagnosisLanguage): string {
  const w = words[lang];
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
  const lines = [
    w.title,
    `${w.period}: ${chinaIsoTime(d.fromMs)} — ${chinaIsoTime(d.toMs)}`,
    d.merchantId === null ? w.scopeFleet : w.scopeMerchant(d.merchantId),
    w.examined(d.subjects, d.tests, d.rowsRead),
    w.method(d.settings.significance),
    '',
  ];
  if (d.findings.length === 0) lines.push(w.none);
  else {
    lines.push(w.findings(d.findings.length));
    d.findings.forEach((f, i) => lines.push(...findingLines(f, i, lang)));
  }
  if (d.providers.length > 0) {
    lines.push('', w.providers);
    for (const p of d.providers) {
      const name = subjectName({
        kind: 'provider',
        id: p.provider,
        merchantId: null,
        terminalId: null,
        operatorId: null,
        networkType: null,
        carrier: null,
        provider: p.provider,
      });
      const availability = p.availability === null ? '-' : `${(p.availability * 100).toFixed(2)}%`;
      lines.push(
        `  ${w.provider(pick(name, lang), p.calls, availability, ms(p.latencyMsP50), ms(p.latencyMsP95))}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
