// From counts to findings (issue 14, docs/diagnostics.md). For every measure, each subject that did
// enough (`minExposure`) is compared with the rest of the fleet by a one-sided exact test
// (rate-tests.ts): its events against the rate of every other subject of its kind, never below the
// measure's floor. All p-values of the run are corrected together (Benjamini-Hochberg), and a
// finding needs the corrected value at or below the significance AND a rate at least `minRatio`
// times the baseline AND above it by the measure's minimum excess AND `minEvents` events: a small
// subject is never flagged for being small, nor a big one for a difference nobody would act on.
import { benjaminiHochberg, upperTailPValue } from './rate-tests.js';
import type { FleetTally, SubjectRef, SubjectTally } from './fleet-tally.js';
import {
  measures,
  subjectKinds,
  type BilingualText,
  type Cause,
  type Exposure,
  type Measure,
  type SubjectKind,
} from './measures.js';
import { NetworkPeers, restOf, typicalMembers, type PeerCount } from './network-peers.js';
import { compareVersions } from './software-version.js';
import { remedySentence } from './remedy-text.js';

export interface DiagnosisSettings {
  /** The false discovery rate a finding's corrected p-value must be within. */
  readonly significance: number;
  /** Subjects with less exposure (sales, calls, report hours) are not tested. */
  readonly minExposure: number;
  readonly minEvents: number;
  /** The subject's rate must be at least this many times the baseline. */
  readonly minRatio: number;
  /** Transaction ids listed per finding. */
  readonly maxEvidence: number;
}

export const defaultDiagnosisSettings: DiagnosisSettings = {
  significance: 0.01,
  minExposure: 30,
  minEvents: 3,
  minRatio: 2,
  maxEvidence: 10,
};

export type Priority = 'high' | 'medium' | 'low';

/** A provider's service in the period: how often it answered, and how fast. */
export interface ProviderService {
  readonly provider: string;
  readonly calls: number;
  /** Calls answered (not timed out, not refused as unavailable), as a share of all calls. */
  readonly availability: number | null;
  readonly latencyMsP50: number | null;
  readonly latencyMsP95: number | null;
}

export interface Finding {
  readonly subject: SubjectRef;
  readonly measure: string;
  readonly cause: Cause;
  readonly priority: Priority;
  /** One sentence a support person acts on, e.g. 终端 10000159（商户 M1）：读卡器重复读卡率 4.1%（机队 0.3%，n=2,310），建议检查或更换读卡器. */
  readonly remedy: BilingualText;
  readonly evidence: {
    readonly events: number;
    readonly exposure: number;
    readonly exposureUnit: Exposure;
    readonly rate: number;
    /** Every subject of the kind together (this one included). */
    readonly fleetRate: number;
    /** What the subject was tested against: the rest of the fleet, never below the measure's floor. */
    readonly baselineRate: number;
    /** Events the baseline would give on this exposure. */
    readonly expected: number;
    readonly pValue: number;
    readonly qValue: number;
    readonly fromMs: number;
    readonly toMs: number;
    readonly transactionIds: readonly string[];
    readonly details: Readonly<Record<string, string | number>>;
  };
  readonly cost: {
    readonly duplicatesPrevented: number;
    readonly duplicatesAtRisk: number;
    /** The fees of the duplicates at risk, at the subject's average sale fee; null without a fee plan. */
    readonly feesAtRiskFen: number | null;
  };
  /** For a provider: its availability and latency in the period. */
  readonly service: ProviderService | null;
}

export interface FleetRate {
  readonly measure: string;
  readonly events: number;
  readonly exposure: number;
  readonly rate: number;
  readonly subjects: number;
}

export interface Diagnosis {
  readonly fromMs: number;
  readonly toMs: number;
  /** The merchant whose own traffic was diagnosed; null for the whole fleet. */
  readonly merchantId: string | null;
  readonly settings: DiagnosisSettings;
  readonly subjects: Readonly<Record<SubjectKind, number>>;
  readonly tests: number;
  readonly rowsRead: number;
  readonly fleetNewestSoftware: string | null;
  readonly fleetRates: readonly FleetRate[];
  readonly providers: readonly ProviderService[];
  readonly findings: readonly Finding[];
}

interface Candidate {
  readonly measure: Measure;
  readonly tally: SubjectTally;
  readonly events: number;
  readonly exposure: number;
  readonly fleetRate: number;
  readonly baselineRate: number;
  readonly pValue: number;
}

/** The subjects a measure compares: of its kind, with some exposure (and telemetry, where it counts). */
function comparedSubjects(tallies: readonly SubjectTally[], measure: Measure): SubjectTally[] {
  return tallies.filter(
    (t) =>
      t.ref.kind === measure.subject &&
      t.exposure[measure.exposure] > 0 &&
      (!measure.fromTelemetry || t.hasTelemetry),
  );
}

/**
 * What a subject is tested on, and against: its own events and exposure (a network's over its
 * typical terminals only), and the baseline: the typical rest of the fleet (network-peers.ts),
 * never below the floor, and for a terminal measure a network can cause, never below its
 * network's typical rate.
 */
function testedShare(
  tally: SubjectTally,
  measure: Measure,
  context: { peers: NetworkPeers; typical: readonly SubjectTally[]; count: PeerCount; minExposure: number },
): { events: number; exposure: number; baselineRate: number } {
  const { count } = context;
  const ownEvents = tally.counts.get(count.name)?.events ?? 0;
  const ownExposure = tally.exposure[measure.exposure];
  const rest = restOf(context.typical, tally, count);
  let baselineRate = Math.max(measure.floorRate, rest.exposure > 0 ? rest.events / rest.exposure : 0);
  if (measure.subject === 'network') {
    return { ...context.peers.network(tally.ref.id, count), baselineRate };
  }
  if (measure.withinNetwork) {
    const network = context.peers.baselineOf(tally, count);
    if (network.exposure >= context.minExposure)
      baselineRate = Math.max(baselineRate, network.events / network.exposure);
  }
  return { events: ownEvents, exposure: ownExposure, baselineRate };
}

/** Every test of every measure: one per subject with enough exposure. */
function runTests(tallies: readonly SubjectTally[], settings: DiagnosisSettings) {
  const candidates: Candidate[] = [];
  const fleetRates: FleetRate[] = [];
  const peers = new NetworkPeers(tallies);
  for (const measure of measures) {
    const compared = comparedSubjects(tallies, measure);
    const name = measure.key.slice(measure.subject.length + 1);
    const eventsOf = (t: SubjectTally) => t.counts.get(name)?.events ?? 0;
    const totalEvents = compared.reduce((sum, t) => sum + eventsOf(t), 0);
    const totalExposure = compared.reduce((sum, t) => sum + t.exposure[measure.exposure], 0);
    const fleetRate = totalExposure === 0 ? 0 : totalEvents / totalExposure;
    fleetRates.push({
      measure: measure.key,
      events: totalEvents,
      exposure: totalExposure,
      rate: fleetRate,
      subjects: compared.length,
    });
    const count = { name, exposure: measure.exposure };
    const typical = typicalMembers(compared, count, 3);
    const context = { peers, typical, count, minExposure: settings.minExposure };
    for (const tally of compared) {
      const { events, exposure, baselineRate } = testedShare(tally, measure, context);
      if (exposure < settings.minExposure) continue;
      const pValue = upperTailPValue(measure.test, events, exposure, baselineRate);
      candidates.push({ measure, tally, events, exposure, fleetRate, baselineRate, pValue });
    }
  }
  return { candidates, fleetRates };
}

function isFinding(c: Candidate, qValue: number, settings: DiagnosisSettings): boolean {
  const rate = c.events / c.exposure;
  return (
    qValue <= settings.significance &&
    c.events >= settings.minEvents &&
    rate >= settings.minRatio * c.baselineRate &&
    rate - c.baselineRate >= c.measure.minExcessRate
  );
}

/**
 * The excess events as duplicates the host prevented or duplicates at risk, by the measure's
 * effect; a sale keyed twice was prevented when the guard held it and is at risk when it went
 * through (a merchant whose guard is off or only flags), in the operator's proportions.
 */
function splitExcess(c: Candidate, excess: number): { prevented: number; atRisk: number } {
  if (c.measure.key === 'operator.keyed_twice') {
    const { held, through } = c.tally.keyedTwice;
    const atRisk = held + through === 0 ? 0 : Math.round((excess * through) / (held + through));
    return { prevented: excess - atRisk, atRisk };
  }
  if (c.measure.effect === 'prevented') return { prevented: excess, atRisk: 0 };
  if (c.measure.effect === 'at_risk') return { prevented: 0, atRisk: excess };
  return { prevented: 0, atRisk: 0 };
}

function priorityOf(excess: number, atRisk: number): Priority {
  if (excess >= 50 || atRisk >= 10) return 'high';
  if (excess >= 10 || atRisk >= 3) return 'medium';
  return 'low';
}

export function providerService(tally: SubjectTally): ProviderService {
  const calls = tally.exposure.upstream_calls;
  const failed = (tally.counts.get('timeouts')?.events ?? 0) + (tally.counts.get('unavailable')?.events ?? 0);
  return {
    provider: tally.ref.id,
    calls,
    availability: calls === 0 ? null : (calls - failed) / calls,
    latencyMsP50: tally.latency?.quantile(0.5) ?? null,
    latencyMsP95: tally.latency?.quantile(0.95) ?? null,
  };
}

/** What a finding's subject shows beside its counts (keyed-twice breakdown, software, signal). */
function detailsOf(c: Candidate, newest: string | null): Record<string, string | number> {
  const t = c.tally;
  const details: Record<string, string | number> = {};
  if (c.measure.key === 'operator.keyed_twice') Object.assign(details, t.keyedTwice);
  if (c.measure.key === 'terminal.printer_faults')
    details['rerunsAfterPrinterFault'] = t.rerunsAfterPrinterFault;
  if (t.ref.kind === 'terminal' && t.softwareVersion !== null) {
    details['softwareVersion'] = t.softwareVersion;
    if (newest !== null) details['fleetNewestSoftware'] = newest;
  }
  if (t.ref.kind === 'network' && t.signalReports > 0)
    details['meanSignalDbm'] = Math.round(t.signalDbmSum / t.signalReports);
  return details;
}

function toFinding(
  c: Candidate,
  qValue: number,
  period: { fromMs: number; toMs: number },
  newest: string | null,
): Finding {
  const expected = c.exposure * c.baselineRate;
  const excess = Math.max(0, Math.round(c.events - expected));
  const t = c.tally;
  const averageFee = t.pricedSales === 0 ? null : t.feeFenSum / t.pricedSales;
  const { prevented, atRisk } = splitExcess(c, excess);
  const evidence = {
    events: c.events,
    exposure: c.exposure,
    exposureUnit: c.measure.exposure,
    rate: c.events / c.exposure,
    fleetRate: c.fleetRate,
    baselineRate: c.baselineRate,
    expected,
    pValue: c.pValue,
    qValue,
    fromMs: period.fromMs,
    toMs: period.toMs,
    transactionIds: [...(t.counts.get(c.measure.key.slice(t.ref.kind.length + 1))?.ids ?? [])],
    details: detailsOf(c, newest),
  };
  return {
    subject: t.ref,
    measure: c.measure.key,
    cause: c.measure.cause,
    priority: priorityOf(excess, atRisk),
    remedy: remedySentence({ subject: t.ref, measure: c.measure, evidence }),
    evidence,
    cost: {
      duplicatesPrevented: prevented,
      duplicatesAtRisk: atRisk,
      feesAtRiskFen: averageFee === null ? null : Math.round(atRisk * averageFee),
    },
    service: t.ref.kind === 'provider' ? providerService(t) : null,
  };
}

const priorityRank: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

/** The diagnosis of a tallied period: fleet rates, every provider's service, and the findings. */
export function diagnose(
  tally: FleetTally,
  input: { fromMs: number; toMs: number; merchantId: string | null; settings?: DiagnosisSettings },
): Diagnosis {
  const settings = input.settings ?? defaultDiagnosisSettings;
  const tallies = [...tally.subjects.values()];
  const versions = tallies.flatMap((t) => (t.softwareVersion === null ? [] : [t.softwareVersion]));
  const newest = versions.reduce<string | null>(
    (a, b) => (a === null || compareVersions(b, a) > 0 ? b : a),
    null,
  );
  const { candidates, fleetRates } = runTests(tallies, settings);
  const qValues = benjaminiHochberg(candidates.map((c) => c.pValue));
  const findings = candidates
    .map((c, index) => ({ c, q: qValues[index] ?? 1 }))
    .filter(({ c, q }) => isFinding(c, q, settings))
    .map(({ c, q }) => toFinding(c, q, input, newest))
    .sort(
      (a, b) =>
        priorityRank[a.priority] - priorityRank[b.priority] ||
        b.evidence.events - b.evidence.expected - (a.evidence.events - a.evidence.expected) ||
        (a.subject.id < b.subject.id ? -1 : a.subject.id > b.subject.id ? 1 : 0),
    );
  const subjects = Object.fromEntries(
    subjectKinds.map((kind) => [kind, tallies.filter((t) => t.ref.kind === kind).length]),
  ) as Record<SubjectKind, number>;
  return {
    fromMs: input.fromMs,
    toMs: input.toMs,
    merchantId: input.merchantId,
    settings,
    subjects,
    tests: candidates.length,
    rowsRead: tally.rowsRead,
    fleetNewestSoftware: newest,
    fleetRates,
    providers: tallies
      .filter((t) => t.ref.kind === 'provider' && t.exposure.upstream_calls > 0)
      .map(providerService)
      .sort((a, b) => (a.provider < b.provider ? -1 : 1)),
    findings,
  };
}
