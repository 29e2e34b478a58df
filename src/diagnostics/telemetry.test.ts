// The status report's model (issue 14): a good report read into its record, every kind of bad
// report refused with a coded error naming its field (unknown fields at any depth, wrong types,
// values out of range, contradictions, a time ahead of the host or too old), and card numbers in
// its texts refused without being echoed.
import { describe, expect, it } from 'vitest';
import { isPosError, type PosError } from '../pos-error.js';
import { report, reportJson, t0 } from './test-support/reports.js';
import {
  chinaIsoTime,
  defaultTelemetrySettings,
  parseIsoTime,
  parseTelemetryReport,
  sameReport,
  telemetryReportJson,
} from './telemetry.js';

function refusal(input: unknown, now = t0): PosError {
  try {
    parseTelemetryReport(input, now);
  } catch (error) {
    if (isPosError(error)) return error;
    throw error;
  }
  throw new Error('the report was accepted');
}

const fieldsOf = (error: PosError): string[] => error.problems.map((p) => p.field);

describe('a status report', () => {
  it('is read into its record, and written back as the same JSON', () => {
    const read = parseTelemetryReport(reportJson(), t0);
    expect(read).toEqual(report());
    expect(parseTelemetryReport(telemetryReportJson(read), t0)).toEqual(read);
    // Optional values absent: no battery, no signal, and Ethernet has neither carrier nor signal.
    const wired = parseTelemetryReport(
      reportJson({ network: { type: 'ethernet' }, batteryPercent: undefined }),
      t0,
    );
    expect([wired.networkType, wired.carrier, wired.signalDbm, wired.batteryPercent]).toEqual([
      'ethernet',
      null,
      null,
      null,
    ]);
    expect(telemetryReportJson(wired)).not.toHaveProperty('batteryPercent');
  });

  it('takes a time in any offset, up to the tolerance ahead of the host', () => {
    expect(parseTelemetryReport(reportJson({ at: '2026-11-25T06:00:00Z' }), t0).at).toBe(t0);
    const ahead = t0 + defaultTelemetrySettings.futureToleranceMs;
    expect(parseTelemetryReport(reportJson({ at: chinaIsoTime(ahead) }), t0).at).toBe(ahead);
  });

  it.each([
    ['an unknown top-level field', { colour: 'red' }, 'colour', 'no such field'],
    [
      'an unknown nested field',
      { printer: { paperOut: 0, headErrors: 0, jams: 1 } },
      'printer.jams',
      'no such field',
    ],
    ['a count as text', { reboots: '3' }, 'reboots', 'a whole number from 0 to 1000000'],
    ['a fractional count', { crashes: 1.5 }, 'crashes', 'a whole number from 0 to 1000000'],
    [
      'a negative count',
      { cardReader: { errors: -1, doubleReadsSuppressed: 0 } },
      'cardReader.errors',
      'a whole number',
    ],
    [
      'a count past the limit',
      { cardReader: { errors: 0, doubleReadsSuppressed: 1_000_001 } },
      'cardReader.doubleReadsSuppressed',
      'a whole number',
    ],
    ['a missing count', { printer: { paperOut: 0 } }, 'printer.headErrors', 'a whole number'],
    [
      'a signal too strong',
      { network: { type: 'wifi', signalDbm: -5 } },
      'network.signalDbm',
      'a whole number from -140 to -10',
    ],
    [
      'a signal too weak',
      { network: { type: 'wifi', signalDbm: -141 } },
      'network.signalDbm',
      'a whole number from -140 to -10',
    ],
    ['a battery over 100', { batteryPercent: 101 }, 'batteryPercent', 'a whole number from 0 to 100'],
    ['an unknown network type', { network: { type: 'satellite' } }, 'network.type', 'one of "wifi"'],
    [
      'a cellular network without carrier',
      { network: { type: '5g', signalDbm: -90 } },
      'network.carrier',
      "the carrier's name",
    ],
    [
      'a carrier on Wi-Fi',
      { network: { type: 'wifi', carrier: 'China Mobile' } },
      'network.carrier',
      'nothing: a wifi network',
    ],
    [
      'a signal on Ethernet',
      { network: { type: 'ethernet', signalDbm: -60 } },
      'network.signalDbm',
      'nothing: Ethernet',
    ],
    [
      'offline seconds without a period',
      { offline: { periods: 0, seconds: 30 } },
      'offline.seconds',
      '0 when offline.periods is 0',
    ],
    [
      'more offline time than a month',
      { offline: { periods: 1, seconds: 31 * 86_400 + 1 } },
      'offline.seconds',
      'a whole number',
    ],
    ['a report id with a space', { reportId: 'T0001 1' }, 'reportId', '1 to 64 letters'],
    ['a report id too long', { reportId: 'x'.repeat(65) }, 'reportId', '1 to 64 letters'],
    ['an empty version', { softwareVersion: '' }, 'softwareVersion', 'printable ASCII'],
    [
      'a version with a control character',
      { firmwareVersion: '1.0\n' },
      'firmwareVersion',
      'printable ASCII',
    ],
    ['a time without an offset', { at: '2026-11-25T14:00:00' }, 'at', 'an ISO 8601 time with an offset'],
    ['a date that does not exist', { at: '2026-11-31T14:00:00+08:00' }, 'at', 'an ISO 8601 time'],
    ['a time as a number', { at: t0 }, 'at', 'an ISO 8601 time'],
    ['a network that is not an object', { network: '4g' }, 'network', 'an object'],
  ])('refuses %s, naming the field', (_what, overrides, field, expected) => {
    const error = refusal(reportJson(overrides));
    expect(error.code).toBe('POS_ERR_TELEMETRY_INVALID');
    const problem = error.problems.find((p) => p.field === field);
    expect(problem?.expected).toContain(expected);
    expect(error.message).toContain(field);
  });

  it('lists every problem of a report at once', () => {
    const error = refusal(reportJson({ reboots: -1, batteryPercent: 'full', extra: 1, reportId: undefined }));
    expect(fieldsOf(error).sort()).toEqual(['batteryPercent', 'extra', 'reboots', 'reportId']);
  });

  it('refuses what is not an object at all', () => {
    for (const input of [null, [], 'report', 42]) {
      expect(fieldsOf(refusal(input))).toEqual(['report']);
    }
  });

  it('refuses a card number in any of its texts without echoing it', () => {
    const pan = '6212345678901232';
    for (const overrides of [
      { softwareVersion: pan },
      { reportId: pan },
      { network: { type: '4g', carrier: pan } },
    ]) {
      const error = refusal(reportJson(overrides));
      expect(error.code).toBe('POS_ERR_TELEMETRY_INVALID');
      expect(JSON.stringify({ message: error.message, problems: error.problems })).not.toContain(pan);
    }
  });

  it("refuses a time ahead of the host's clock by more than the tolerance, or older than 6 days", () => {
    const ahead = refusal(reportJson({}, t0 + defaultTelemetrySettings.futureToleranceMs + 1000));
    expect([ahead.code, fieldsOf(ahead)]).toEqual(['POS_ERR_TELEMETRY_BAD_TIME', ['at']]);
    expect(ahead.message).toContain("set the terminal's clock");
    const old = refusal(reportJson({}, t0 - defaultTelemetrySettings.maxReportAgeMs - 1000));
    expect([old.code, fieldsOf(old)]).toEqual(['POS_ERR_TELEMETRY_BAD_TIME', ['at']]);
    // The acceptance window ends more than an hour before raw reports are compacted.
    expect(defaultTelemetrySettings.maxReportAgeMs).toBeLessThan(
      defaultTelemetrySettings.rawRetentionMs - 3_600_000,
    );
  });

  it('tells the same report from another one', () => {
    expect(sameReport(report(), report())).toBe(true);
    expect(sameReport(report(), report({ paperOut: 2 }))).toBe(false);
    expect(sameReport(report(), report({ batteryPercent: null }))).toBe(false);
  });
});

describe('ISO 8601 times', () => {
  it('reads offsets and milliseconds, and refuses what is not a real time', () => {
    expect(parseIsoTime('2026-11-25T14:00:00.5+08:00')).toBe(t0 + 500);
    expect(parseIsoTime('2026-11-24T22:00:00-08:00')).toBe(t0);
    expect(parseIsoTime('2026-02-29T00:00:00Z')).toBeUndefined();
    expect(parseIsoTime('2026-11-25T24:00:00Z')).toBeUndefined();
    expect(parseIsoTime('2026-11-25 14:00:00Z')).toBeUndefined();
    expect(chinaIsoTime(t0)).toBe('2026-11-25T14:00:00.000+08:00');
  });
});
