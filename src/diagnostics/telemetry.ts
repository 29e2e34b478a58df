// What a terminal reports about itself (issue 14): its software and firmware, what its card reader,
// printer and power did since its last report, its network and battery. Both doors hand the report
// as they received it (JSON over HTTP, field 62 of an ISO 8583 status upload read into the same
// shape) to `parseTelemetryReport`, which refuses anything else with every problem at once, so the
// two doors accept exactly the same reports. Counts are "since the last report": the terminal
// zeroes them once a report is accepted, and a report the host refused leaves them to the next.
import { holdsCardNumber } from '../cards/card-in-text.js';
import { describeKind, describeValue, PosError, type FieldProblem } from '../pos-error.js';

export const networkTypes = ['wifi', 'ethernet', '3g', '4g', '5g'] as const;
export type NetworkType = (typeof networkTypes)[number];

/** Network types that go through a mobile carrier: the report names it. */
export const cellularNetworkTypes: readonly NetworkType[] = ['3g', '4g', '5g'];

/** A terminal's report as the store keeps it: one flat record, one column per measure. */
export interface TelemetryReport {
  /** The terminal's own name for the report: its idempotency key, per terminal. */
  readonly reportId: string;
  /** When the terminal made the report (epoch milliseconds). */
  readonly at: number;
  readonly softwareVersion: string;
  readonly firmwareVersion: string;
  /** Card reads that failed since the last report. */
  readonly readerErrors: number;
  /** Second reads of one card within the double-read window that the terminal ignored. */
  readonly doubleReadsSuppressed: number;
  readonly paperOut: number;
  readonly printerHeadErrors: number;
  readonly reboots: number;
  /** Restarts after the terminal application stopped unexpectedly (work left half done). */
  readonly crashes: number;
  readonly networkType: NetworkType;
  /** The mobile carrier (cellular networks only). */
  readonly carrier: string | null;
  /** Signal strength in dBm when the terminal knows it (never for Ethernet). */
  readonly signalDbm: number | null;
  /** Periods the terminal could not reach the host, and their total length in whole seconds. */
  readonly offlinePeriods: number;
  readonly offlineSeconds: number;
  /** Null for a terminal on mains power without a battery. */
  readonly batteryPercent: number | null;
}

/** The counters of a report: each one what happened since the terminal's last accepted report. */
export const telemetryCounters = [
  'readerErrors',
  'doubleReadsSuppressed',
  'paperOut',
  'printerHeadErrors',
  'reboots',
  'crashes',
  'offlinePeriods',
  'offlineSeconds',
] as const satisfies readonly (keyof TelemetryReport)[];
export type TelemetryCounter = (typeof telemetryCounters)[number];

/** The ranges a report must keep to; the HTTP schema and the ISO layout are written from them. */
export const telemetryLimits = {
  reportIdPattern: /^[A-Za-z0-9._:-]{1,64}$/,
  /** Versions and carrier: 1 to 32 printable ASCII characters, not starting or ending with a space. */
  textPattern: /^[\x21-\x7e](?:[\x20-\x7e]{0,30}[\x21-\x7e])?$/,
  textMaxLength: 32,
  /** A count since the last report: a terminal reports at least daily, so a million is absurd. */
  maxCount: 1_000_000,
  /** 31 days: more offline time than that cannot fall between two reports that are each accepted. */
  maxOfflineSeconds: 31 * 86_400,
  /** dBm: -140 is below any receiver's floor (LTE RSRP), -10 above any real signal. */
  minSignalDbm: -140,
  maxSignalDbm: -10,
} as const;

export interface TelemetrySettings {
  /** A report time later than the host's clock by more than this is refused: the terminal's clock is wrong. */
  readonly futureToleranceMs: number;
  /**
   * A report older than this is refused. Kept below `rawRetentionMs` less an hour, so a report is
   * never accepted once its hour may have been compacted: its id is remembered as long as it counts.
   */
  readonly maxReportAgeMs: number;
  /** Raw reports are kept this long, then folded into their terminal's hour. */
  readonly rawRetentionMs: number;
  /** Hourly totals are kept this long. */
  readonly hourRetentionMs: number;
  /** Reports stored per terminal per day (China Standard Time); past it, refused with 429. */
  readonly maxReportsPerDay: number;
  /** Raw reports folded per transaction by the compaction. */
  readonly compactionBatch: number;
}

const hourMs = 3_600_000;
const dayMs = 86_400_000;

export const defaultTelemetrySettings: TelemetrySettings = {
  futureToleranceMs: 5 * 60_000,
  maxReportAgeMs: 6 * dayMs,
  rawRetentionMs: 7 * dayMs,
  hourRetentionMs: 400 * dayMs,
  // One report every 5 minutes, all day: far more than a terminal needs (hourly is plenty).
  maxReportsPerDay: 288,
  compactionBatch: 500,
};

/** The JSON form of a report: what the HTTP API takes and the terminal SDK sends. */
export interface TelemetryReportJson {
  readonly reportId: string;
  /** ISO 8601 with an offset, e.g. 2026-11-25T14:00:00+08:00. */
  readonly at: string;
  readonly softwareVersion: string;
  readonly firmwareVersion: string;
  readonly cardReader: { readonly errors: number; readonly doubleReadsSuppressed: number };
  readonly printer: { readonly paperOut: number; readonly headErrors: number };
  readonly reboots: number;
  readonly crashes: number;
  readonly network: { readonly type: NetworkType; readonly carrier?: string; readonly signalDbm?: number };
  readonly offline: { readonly periods: number; readonly seconds: number };
  readonly batteryPercent?: number;
}

/** The report as JSON, its time in China Standard Time (the terminals' own time). */
export function telemetryReportJson(report: TelemetryReport): TelemetryReportJson {
  return {
    reportId: report.reportId,
    at: chinaIsoTime(report.at),
    softwareVersion: report.softwareVersion,
    firmwareVersion: report.firmwareVersion,
    cardReader: { errors: report.readerErrors, doubleReadsSuppressed: report.doubleReadsSuppressed },
    printer: { paperOut: report.paperOut, headErrors: report.printerHeadErrors },
    reboots: report.reboots,
    crashes: report.crashes,
    network: {
      type: report.networkType,
      ...(report.carrier === null ? {} : { carrier: report.carrier }),
      ...(report.signalDbm === null ? {} : { signalDbm: report.signalDbm }),
    },
    offline: { periods: report.offlinePeriods, seconds: report.offlineSeconds },
    ...(report.batteryPercent === null ? {} : { batteryPercent: report.batteryPercent }),
  };
}

/** `2026-11-25T14:00:00.000+08:00`: an instant written in China Standard Time. */
export function chinaIsoTime(atMs: number): string {
  return `${new Date(atMs + 8 * hourMs).toISOString().slice(0, 23)}+08:00`;
}

const isoTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 time with an offset (seconds required, milliseconds optional); undefined when not one. */
export function parseIsoTime(text: string): number | undefined {
  const m = isoTime.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const date = new Date(local);
  // Date.UTC rolls 31 November over to 1 December: a date that does not exist is refused.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined;
  const zone = m[8] ?? 'Z';
  if (zone === 'Z') return local;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 14 || offsetMinutes > 59) return undefined;
  return local - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

/** Collects the problems of one report, field by field, while reading its values. */
class ReportReader {
  readonly problems: FieldProblem[] = [];

  problem(field: string, expected: string, actual: string): void {
    this.problems.push({ field, expected, actual });
  }

  /** The object at `field`, with every key it has that `known` does not name refused. */
  object(field: string, value: unknown, known: readonly string[]): Record<string, unknown> | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.problem(field, 'an object', describeKind(value));
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      // A field that should not be there is named, its content never shown.
      if (!known.includes(key)) this.problem(join(field, key), 'no such field', describeKind(record[key]));
    }
    return record;
  }

  integer(field: string, value: unknown, min: number, max: number, optional = false): number | null {
    if (value === undefined && optional) return null;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(
        field,
        `a whole number from ${min} to ${max}${optional ? ', or nothing' : ''}`,
        value === undefined ? 'nothing' : describeValue(value),
      );
      return null;
    }
    return value;
  }

  text(field: string, value: unknown, pattern: RegExp, expected: string, optional = false): string | null {
    if (value === undefined && optional) return null;
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.problem(field, expected, describeValue(value));
      return null;
    }
    if (holdsCardNumber(value)) {
      // Reports are stored and shown to support staff: a card number in one would sit there in clear.
      this.problem(
        field,
        `${expected}, holding no card number`,
        `a ${value.length}-character text (not shown)`,
      );
      return null;
    }
    return value;
  }
}

const join = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);

const topFields = [
  'reportId',
  'at',
  'softwareVersion',
  'firmwareVersion',
  'cardReader',
  'printer',
  'reboots',
  'crashes',
  'network',
  'offline',
  'batteryPercent',
];

const versionExpected = `1 to ${telemetryLimits.textMaxLength} printable ASCII characters, no space at either end`;

type Fields = Record<string, unknown>;

/** The report's id, time and versions; null (with a problem noted) where one is wrong. */
function readIdentity(r: ReportReader, top: Fields) {
  const atText = top['at'];
  const at = typeof atText === 'string' ? parseIsoTime(atText) : undefined;
  if (at === undefined) {
    r.problem(
      'at',
      'an ISO 8601 time with an offset, such as 2026-11-25T14:00:00+08:00',
      describeValue(atText),
    );
  }
  const { reportIdPattern, textPattern } = telemetryLimits;
  return {
    reportId: r.text('reportId', top['reportId'], reportIdPattern, '1 to 64 letters, digits, ., _, : or -'),
    at: at ?? null,
    softwareVersion: r.text('softwareVersion', top['softwareVersion'], textPattern, versionExpected),
    firmwareVersion: r.text('firmwareVersion', top['firmwareVersion'], textPattern, versionExpected),
  };
}

/** The counters, from their nested objects; offline seconds need an offline period. */
function readCounts(r: ReportReader, top: Fields): Record<TelemetryCounter, number | null> {
  const count = (field: string, value: unknown) => r.integer(field, value, 0, telemetryLimits.maxCount);
  const reader = r.object('cardReader', top['cardReader'], ['errors', 'doubleReadsSuppressed']);
  const printer = r.object('printer', top['printer'], ['paperOut', 'headErrors']);
  const offline = r.object('offline', top['offline'], ['periods', 'seconds']);
  const counts = {
    readerErrors: count('cardReader.errors', reader?.['errors']),
    doubleReadsSuppressed: count('cardReader.doubleReadsSuppressed', reader?.['doubleReadsSuppressed']),
    paperOut: count('printer.paperOut', printer?.['paperOut']),
    printerHeadErrors: count('printer.headErrors', printer?.['headErrors']),
    reboots: count('reboots', top['reboots']),
    crashes: count('crashes', top['crashes']),
    offlinePeriods: count('offline.periods', offline?.['periods']),
    offlineSeconds: r.integer('offline.seconds', offline?.['seconds'], 0, telemetryLimits.maxOfflineSeconds),
  };
  if (counts.offlinePeriods === 0 && counts.offlineSeconds !== null && counts.offlineSeconds > 0) {
    r.problem('offline.seconds', '0 when offline.periods is 0', String(counts.offlineSeconds));
  }
  return counts;
}

/** The network: its type, the carrier (cellular only) and the signal (never on Ethernet). */
function readNetwork(r: ReportReader, top: Fields) {
  const network = r.object('network', top['network'], ['type', 'carrier', 'signalDbm']);
  if (network === undefined) return { type: undefined, carrier: null, signalDbm: null };
  const type = networkTypes.find((t) => t === network['type']);
  if (type === undefined) {
    const allowed = networkTypes.map((t) => JSON.stringify(t)).join(', ');
    r.problem('network.type', `one of ${allowed}`, describeValue(network['type']));
  }
  let carrier: string | null = null;
  if (type !== undefined && cellularNetworkTypes.includes(type)) {
    const expected = `the carrier's name: ${versionExpected}`;
    carrier = r.text('network.carrier', network['carrier'], telemetryLimits.textPattern, expected);
  } else if (type !== undefined && network['carrier'] !== undefined) {
    const expected = `nothing: a ${type} network has no carrier`;
    r.problem('network.carrier', expected, describeKind(network['carrier']));
  }
  if (type === 'ethernet' && network['signalDbm'] !== undefined) {
    const expected = 'nothing: Ethernet has no signal strength';
    r.problem('network.signalDbm', expected, describeValue(network['signalDbm']));
    return { type, carrier, signalDbm: null };
  }
  const { minSignalDbm, maxSignalDbm } = telemetryLimits;
  const signalDbm = r.integer('network.signalDbm', network['signalDbm'], minSignalDbm, maxSignalDbm, true);
  return { type, carrier, signalDbm };
}

/**
 * Reads a report in its JSON form, or throws POS_ERR_TELEMETRY_INVALID listing every problem
 * (unknown fields, wrong types, values out of range, a carrier without a cellular network...),
 * or POS_ERR_TELEMETRY_BAD_TIME when its time is ahead of `now` by more than the tolerance or
 * older than the host accepts. Nothing is stored by it.
 */
export function parseTelemetryReport(
  input: unknown,
  now: number,
  settings: Pick<TelemetrySettings, 'futureToleranceMs' | 'maxReportAgeMs'> = defaultTelemetrySettings,
): TelemetryReport {
  const r = new ReportReader();
  const top = r.object('', input, topFields);
  if (top === undefined) {
    throw PosError.invalidInput('POS_ERR_TELEMETRY_INVALID', 'telemetry report', [
      { field: 'report', expected: 'an object', actual: describeKind(input) },
    ]);
  }
  const identity = readIdentity(r, top);
  const counts = readCounts(r, top);
  const network = readNetwork(r, top);
  const batteryPercent = r.integer('batteryPercent', top['batteryPercent'], 0, 100, true);
  if (r.problems.length > 0) {
    throw PosError.invalidInput('POS_ERR_TELEMETRY_INVALID', 'telemetry report', r.problems);
  }
  // Every value was read without a problem: none of the fallbacks below is ever taken.
  const count = (c: TelemetryCounter): number => counts[c] ?? 0;
  const report: TelemetryReport = {
    reportId: identity.reportId ?? '',
    at: identity.at ?? 0,
    softwareVersion: identity.softwareVersion ?? '',
    firmwareVersion: identity.firmwareVersion ?? '',
    readerErrors: count('readerErrors'),
    doubleReadsSuppressed: count('doubleReadsSuppressed'),
    paperOut: count('paperOut'),
    printerHeadErrors: count('printerHeadErrors'),
    reboots: count('reboots'),
    crashes: count('crashes'),
    networkType: network.type ?? 'wifi',
    carrier: network.carrier,
    signalDbm: network.signalDbm,
    offlinePeriods: count('offlinePeriods'),
    offlineSeconds: count('offlineSeconds'),
    batteryPercent,
  };
  checkReportTime(report.at, now, settings);
  return report;
}

/** Refuses a report time too far ahead of the host's clock, or too old to be accepted. */
function checkReportTime(
  at: number,
  now: number,
  settings: Pick<TelemetrySettings, 'futureToleranceMs' | 'maxReportAgeMs'>,
): void {
  const ahead = at - now;
  if (ahead > settings.futureToleranceMs) {
    const problem = {
      field: 'at',
      expected: `a time no later than ${Math.round(settings.futureToleranceMs / 1000)} s after the host's clock (${chinaIsoTime(now)})`,
      actual: `${chinaIsoTime(at)}, ${Math.round(ahead / 1000)} s ahead: set the terminal's clock`,
    };
    throw new PosError(
      'POS_ERR_TELEMETRY_BAD_TIME',
      `at: expected ${problem.expected}, got ${problem.actual}`,
      {
        problems: [problem],
      },
    );
  }
  if (now - at > settings.maxReportAgeMs) {
    const problem = {
      field: 'at',
      expected: `a time within the last ${Math.round(settings.maxReportAgeMs / dayMs)} days`,
      actual: `${chinaIsoTime(at)}: older reports are no longer accepted (their hours may be compacted)`,
    };
    throw new PosError(
      'POS_ERR_TELEMETRY_BAD_TIME',
      `at: expected ${problem.expected}, got ${problem.actual}`,
      {
        problems: [problem],
      },
    );
  }
}

/** Whether two reports say the same (a repeat of one report, whichever door each came through). */
export function sameReport(a: TelemetryReport, b: TelemetryReport): boolean {
  return (Object.keys(a) as (keyof TelemetryReport)[]).every((key) => a[key] === b[key]);
}
