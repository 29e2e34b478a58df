// The diagnosis in words (issue 14), in zh-CN and en: one sentence per finding that a support
// person acts on ("终端 10000159（商户 M1）：读卡器重复读卡率 4.1%（机队 0.3%，n=2,310），建议检查或
// 更换读卡器"), and the report `posguard diagnose` prints: the period, what was examined, each
// finding with its evidence and cost, and every provider's availability and latency.
import type { Diagnosis, Finding } from './diagnose.js';
import type { SubjectRef } from './fleet-tally.js';
import { compareVersions } from './software-version.js';
import { chinaIsoTime } from './telemetry.js';
import type { BilingualText, Cause, Exposure, Measure, SubjectKind } from './measures.js';

export const diagnosisLanguages = ['zh-CN', 'en'] as const;
export type DiagnosisLanguage = (typeof diagnosisLanguages)[number];

const providerNames: Record<string, BilingualText> = {
  issuer: { zh: '发卡行通道', en: 'the issuer route' },
  alipay: { zh: '支付宝', en: 'Alipay' },
  wechat: { zh: '微信支付', en: 'WeChat Pay' },
  unionpay: { zh: '银联云闪付', en: 'UnionPay QR' },
};

const networkTypeNames: Record<string, string> = {
  wifi: 'Wi-Fi',
  ethernet: 'Ethernet',
  '3g': '3G',
  '4g': '4G',
  '5g': '5G',
};

/** The subject as a person names it. */
export function subjectName(subject: SubjectRef): BilingualText {
  switch (subject.kind) {
    case 'terminal':
      return {
        zh: `终端 ${subject.terminalId ?? ''}（商户 ${subject.merchantId ?? ''}）`,
        en: `Terminal ${subject.terminalId ?? ''} (merchant ${subject.merchantId ?? ''})`,
      };
    case 'operator':
      return {
        zh: `操作员 ${subject.operatorId ?? ''}（商户 ${subject.merchantId ?? ''}）`,
        en: `Operator ${subject.operatorId ?? ''} (merchant ${subject.merchantId ?? ''})`,
      };
    case 'network': {
      const type = networkTypeNames[subject.networkType ?? ''] ?? subject.networkType ?? '';
      return subject.carrier !== null
        ? { zh: `${type} 网络 ${subject.carrier}`, en: `${type} network ${subject.carrier}` }
        : {
            zh: `商户 ${subject.merchantId ?? ''} 的 ${type} 网络`,
            en: `The ${type} network of merchant ${subject.merchantId ?? ''}`,
          };
    }
    case 'provider': {
      const name = providerNames[subject.id] ?? { zh: subject.id, en: subject.id };
      return { zh: `服务商 ${name.zh}`, en: `Provider ${name.en}` };
    }
  }
}

/** A rate as people read it: a percentage, or events per hour for report hours. */
export function formatRate(rate: number, unit: Exposure, lang: DiagnosisLanguage): string {
  if (unit === 'report_hours') {
    const value = rate.toFixed(2);
    return lang === 'zh-CN' ? `每小时 ${value} 次` : `${value} per hour`;
  }
  const percent = rate * 100;
  const digits = percent !== 0 && percent < 0.1 ? 2 : 1;
  return `${percent.toFixed(digits)}%`;
}

/** 2310 as 2,310. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Where a terminal's software is behind the fleet's newest, the remedy says which to install. */
function softwareNote(details: Readonly<Record<string, string | number>>, cause: Cause): BilingualText {
  const current = details['softwareVersion'];
  const newest = details['fleetNewestSoftware'];
  if (cause !== 'software' || typeof current !== 'string' || typeof newest !== 'string')
    return { zh: '', en: '' };
  if (compareVersions(current, newest) >= 0) return { zh: '', en: '' };
  return {
    zh: `（当前版本 ${current}，机队最新 ${newest}）`,
    en: ` (it runs ${current}; the fleet's newest is ${newest})`,
  };
}

/** The finding's sentence in both languages. */
export function remedySentence(input: {
  subject: SubjectRef;
  measure: Measure;
  evidence: Pick<Finding['evidence'], 'rate' | 'baselineRate' | 'exposure' | 'details'>;
}): BilingualText {
  const { subject, measure, evidence } = input;
  const name = subjectName(subject);
  const unit = measure.exposure;
  const note = softwareNote(evidence.details, measure.cause);
  const n = formatCount(evidence.exposure);
  return {
    zh: `${name.zh}：${measure.label.zh} ${formatRate(evidence.rate, unit, 'zh-CN')}（机队 ${formatRate(evidence.baselineRate, unit, 'zh-CN')}，n=${n}），${measure.remedy.zh}${note.zh}`,
    en: `${name.en}: ${measure.label.en} ${formatRate(evidence.rate, unit, 'en')} (fleet ${formatRate(evidence.baselineRate, unit, 'en')}, n=${n}); ${measure.remedy.en}${note.en}`,
  };
}

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
      `代价：已拦截重复 ${f.cost.duplicatesPrevented}，有风险重复 ${f.cost.duplicatesAtRisk}${f.cost.feesAtRiskFen === null ? '' : `，风险手续费 ${(f.cost.feesAtRiskFen / 100).toFixed(2)} 元`}`,
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
      `Examined: ${s.terminal} terminals, ${s.operator} operators, ${s.network} networks, ${s.provider} providers; ${tests} tests on ${formatCount(rows)} rows`,
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
      `Cost: ${f.cost.duplicatesPrevented} duplicates prevented, ${f.cost.duplicatesAtRisk} at risk${f.cost.feesAtRiskFen === null ? '' : `, fees at risk ${(f.cost.feesAtRiskFen / 100).toFixed(2)} CNY`}`,
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
