// A finding's subject, rate and remedy in words (issue 14), in zh-CN and en: the one sentence a
// support person acts on, such as "终端 10000159（商户 M1）：读卡器重复读卡率 4.1%（机队 0.3%，
// n=2,310），建议检查或更换读卡器". diagnose.ts writes it into each finding; diagnosis-text.ts
// prints the report around it.
import type { SubjectRef } from './fleet-tally.js';
import { compareVersions } from './software-version.js';
import type { BilingualText, Cause, Exposure, Measure } from './measures.js';

export const diagnosisLanguages = ['zh-CN', 'en'] as const;
export type DiagnosisLanguage = (typeof diagnosisLanguages)[number];

/** What a finding's sentence quotes of its evidence. */
export interface QuotedEvidence {
  readonly rate: number;
  readonly baselineRate: number;
  readonly exposure: number;
  readonly details: Readonly<Record<string, string | number>>;
}

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
      return {
        zh: `服务商 ${name.zh}`,
        en: subject.id === 'issuer' ? 'The issuer route' : `Provider ${name.en}`,
      };
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
  evidence: QuotedEvidence;
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
