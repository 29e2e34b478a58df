// What the fleet diagnosis measures (issue 14): for each kind of subject (a terminal, an operator,
// a network, an upstream provider), the rates of the events that lead to duplicates, each tied to
// one of the five causes and its remedy. Each measure says what it counts per what (its exposure),
// which test fits it (rate-tests.ts), the least rate a healthy fleet shows anyway (`floorRate`:
// the baseline never drops below it, so a fleet with almost no events does not make one event a
// finding), the least excess over the baseline worth acting on, and whether its events were
// duplicates the host prevented, duplicates at risk, or neither. docs/diagnostics.md lists them.
import type { RateTest } from './rate-tests.js';

export const subjectKinds = ['terminal', 'operator', 'network', 'provider'] as const;
export type SubjectKind = (typeof subjectKinds)[number];

/** The five causes of a duplicate (the names reconciliation's exception kinds use too). */
export const causes = ['software', 'hardware', 'operator', 'network', 'third_party'] as const;
export type Cause = (typeof causes)[number];

/** What a rate is counted per. */
export type Exposure = 'sales' | 'card_sales' | 'report_hours' | 'upstream_calls' | 'reversals';

/** Whether an event was a duplicate the host stopped, one that may reach a card, or neither. */
export type DuplicateEffect = 'prevented' | 'at_risk' | 'none';

export interface BilingualText {
  readonly zh: string;
  readonly en: string;
}

export interface Measure {
  /** `terminal.double_reads`: the subject kind and what is counted. */
  readonly key: string;
  readonly subject: SubjectKind;
  readonly cause: Cause;
  readonly test: RateTest;
  readonly exposure: Exposure;
  /** Counted from terminals' status reports: only subjects that sent some are compared. */
  readonly fromTelemetry: boolean;
  /**
   * A terminal measure a network can cause (answers lost, requests repeated): the terminal is also
   * compared with the typical terminals of its own network (network-peers.ts), so that on a bad
   * carrier the carrier is the finding, not each of its terminals.
   */
  readonly withinNetwork: boolean;
  readonly floorRate: number;
  /** The least rate above the baseline (an absolute difference) that makes a finding. */
  readonly minExcessRate: number;
  readonly effect: DuplicateEffect;
  /** The rate's name, e.g. 读卡器重复读卡率 / card reader double reads. */
  readonly label: BilingualText;
  /** What support does about it. */
  readonly remedy: BilingualText;
}

const softwareRemedy = {
  zh: '建议升级并维护终端软件',
  en: 'upgrade and maintain the terminal software',
};
const readerRemedy = { zh: '建议检查或更换读卡器', en: 'check or replace the card reader' };
const networkRemedy = {
  zh: '建议优化该网络（检查路由器或信号，或改用其他运营商、有线网络）',
  en: 'optimise this network (check the router or signal, or move to another carrier or a wired line)',
};
const providerRemedy = {
  zh: '建议评估该服务商（与其核对超时和可用性，考虑备用通道）',
  en: 'evaluate this provider (raise the timeouts and availability with them; consider a backup route)',
};

type MeasureSpec = Omit<Measure, 'key' | 'fromTelemetry' | 'withinNetwork'> & {
  readonly fromTelemetry?: boolean;
  readonly withinNetwork?: boolean;
};

function measure(subject: SubjectKind, name: string, spec: Omit<MeasureSpec, 'subject'>): Measure {
  return { key: `${subject}.${name}`, subject, fromTelemetry: false, withinNetwork: false, ...spec };
}

export const measures: readonly Measure[] = [
  measure('terminal', 'retransmissions', {
    cause: 'software',
    test: 'poisson',
    exposure: 'sales',
    withinNetwork: true,
    floorRate: 0.002,
    minExcessRate: 0.01,
    effect: 'prevented',
    label: { zh: '重发率', en: 'retransmission rate' },
    remedy: {
      zh: '建议检查终端的超时设置并升级终端软件',
      en: "check the terminal's timeout setting and upgrade its software",
    },
  }),
  measure('terminal', 'lost_answers', {
    cause: 'network',
    test: 'binomial',
    exposure: 'sales',
    withinNetwork: true,
    floorRate: 0.002,
    minExcessRate: 0.01,
    effect: 'at_risk',
    label: { zh: '应答丢失冲正率', en: 'reversals for lost answers' },
    remedy: {
      zh: '建议检查该终端的网络连接（Wi-Fi 信号、SIM 卡或网线）',
      en: "check this terminal's connection (Wi-Fi signal, SIM card or cable)",
    },
  }),
  measure('terminal', 'mac_failures', {
    cause: 'software',
    test: 'binomial',
    exposure: 'sales',
    floorRate: 0.001,
    minExcessRate: 0.005,
    effect: 'at_risk',
    label: { zh: 'MAC 校验失败冲正率', en: 'reversals for MAC failures' },
    remedy: {
      zh: '建议让终端重新签到下载密钥，仍有问题则升级终端软件',
      en: 'sign the terminal in again for fresh keys; if it persists, upgrade its software',
    },
  }),
  measure('terminal', 'crash_recoveries', {
    cause: 'software',
    test: 'poisson',
    exposure: 'sales',
    floorRate: 0.001,
    minExcessRate: 0.005,
    effect: 'at_risk',
    label: { zh: '崩溃恢复率', en: 'crash recoveries' },
    remedy: softwareRemedy,
  }),
  measure('terminal', 'double_reads', {
    cause: 'hardware',
    test: 'poisson',
    exposure: 'card_sales',
    fromTelemetry: true,
    floorRate: 0.003,
    minExcessRate: 0.01,
    effect: 'prevented',
    label: { zh: '读卡器重复读卡率', en: 'card reader double reads' },
    remedy: readerRemedy,
  }),
  measure('terminal', 'reader_errors', {
    cause: 'hardware',
    test: 'poisson',
    exposure: 'card_sales',
    fromTelemetry: true,
    floorRate: 0.01,
    minExcessRate: 0.03,
    effect: 'none',
    label: { zh: '读卡错误率', en: 'card reader errors' },
    remedy: readerRemedy,
  }),
  measure('terminal', 'printer_faults', {
    cause: 'hardware',
    test: 'poisson',
    exposure: 'sales',
    fromTelemetry: true,
    floorRate: 0.002,
    minExcessRate: 0.01,
    effect: 'at_risk',
    label: { zh: '打印机故障率', en: 'printer faults' },
    remedy: {
      zh: '建议检查打印机（纸卷、打印头）或更换',
      en: 'check the printer (paper roll, print head) or replace it',
    },
  }),
  measure('operator', 'keyed_twice', {
    cause: 'operator',
    test: 'binomial',
    exposure: 'sales',
    floorRate: 0.002,
    minExcessRate: 0.01,
    effect: 'prevented',
    label: { zh: '重复刷卡/输入率', en: 'sales keyed twice' },
    remedy: {
      zh: '建议培训并督导该操作员：交易结果出来之前不要再次刷卡或输入',
      en: 'train and supervise this operator: never run a sale again before its result is shown',
    },
  }),
  measure('operator', 'voids_soon', {
    cause: 'operator',
    test: 'binomial',
    exposure: 'sales',
    floorRate: 0.005,
    minExcessRate: 0.02,
    effect: 'none',
    label: { zh: '消费后即撤销率', en: 'voids soon after the sale' },
    remedy: {
      zh: '建议培训该操作员在提交前核对金额和卡片',
      en: 'train this operator to check the amount and card before sending a sale',
    },
  }),
  measure('network', 'retransmissions', {
    cause: 'network',
    test: 'poisson',
    exposure: 'sales',
    floorRate: 0.002,
    minExcessRate: 0.005,
    effect: 'prevented',
    label: { zh: '重发率', en: 'retransmission rate' },
    remedy: networkRemedy,
  }),
  measure('network', 'lost_answers', {
    cause: 'network',
    test: 'binomial',
    exposure: 'sales',
    floorRate: 0.002,
    minExcessRate: 0.005,
    effect: 'at_risk',
    label: { zh: '应答丢失冲正率', en: 'reversals for lost answers' },
    remedy: networkRemedy,
  }),
  measure('network', 'offline_periods', {
    cause: 'network',
    test: 'poisson',
    exposure: 'report_hours',
    fromTelemetry: true,
    floorRate: 0.01,
    minExcessRate: 0.05,
    effect: 'none',
    label: { zh: '断网次数', en: 'offline periods' },
    remedy: networkRemedy,
  }),
  measure('provider', 'timeouts', {
    cause: 'third_party',
    test: 'binomial',
    exposure: 'upstream_calls',
    floorRate: 0.002,
    minExcessRate: 0.005,
    effect: 'at_risk',
    label: { zh: '超时率', en: 'timeouts' },
    remedy: providerRemedy,
  }),
  measure('provider', 'late_answers', {
    cause: 'third_party',
    test: 'poisson',
    exposure: 'upstream_calls',
    floorRate: 0.001,
    minExcessRate: 0.003,
    effect: 'at_risk',
    label: { zh: '超时后应答率', en: 'answers after the timeout' },
    remedy: providerRemedy,
  }),
  measure('provider', 'unavailable', {
    cause: 'third_party',
    test: 'binomial',
    exposure: 'upstream_calls',
    floorRate: 0.002,
    minExcessRate: 0.005,
    effect: 'none',
    label: { zh: '不可用率', en: 'calls refused as unavailable' },
    remedy: providerRemedy,
  }),
  measure('provider', 'double_postings', {
    cause: 'third_party',
    test: 'binomial',
    exposure: 'upstream_calls',
    floorRate: 0.0005,
    minExcessRate: 0.002,
    effect: 'at_risk',
    label: { zh: '对账发现的重复入账率', en: 'double postings found by reconciliation' },
    remedy: {
      zh: '建议评估该服务商并与其对账，追回重复入账',
      en: 'evaluate this provider and reconcile with them to recover the double postings',
    },
  }),
  measure('provider', 'reversal_retries', {
    cause: 'third_party',
    test: 'binomial',
    exposure: 'reversals',
    floorRate: 0.02,
    minExcessRate: 0.05,
    effect: 'at_risk',
    label: { zh: '冲正重试率', en: 'reversals retried or failed' },
    remedy: providerRemedy,
  }),
];

export const measureByKey: ReadonlyMap<string, Measure> = new Map(measures.map((m) => [m.key, m]));
