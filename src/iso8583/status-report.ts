// Field 62 of posguard's status upload (0820, 60.3 = 362; issue 14, docs/iso8583.md): a terminal's
// telemetry as TLV, one entry per value: a tag byte, a length byte, then that many bytes of
// printable ASCII (numbers in decimal, the signal with its minus sign, the time as YYYYMMDDhhmmss
// in China Standard Time, as fields 12 and 13 carry it). Absent optional values have no entry.
// `readStatusReport` gives the report back in its JSON form for the diagnostics core to check (the
// same check as the HTTP API's), and lists what cannot be read as TLV at all.
import { parseIsoTime, type TelemetryReportJson } from '../diagnostics/telemetry.js';
import type { FieldProblem } from '../pos-error.js';
import { badSubfield } from './fixed-digits.js';

type TagValue = 'text' | 'number' | 'time';

export interface StatusReportTag {
  readonly tag: number;
  /** Where the value sits in the report's JSON form. */
  readonly path: string;
  readonly value: TagValue;
}

export const statusReportTags: readonly StatusReportTag[] = [
  { tag: 0x01, path: 'reportId', value: 'text' },
  { tag: 0x02, path: 'at', value: 'time' },
  { tag: 0x03, path: 'softwareVersion', value: 'text' },
  { tag: 0x04, path: 'firmwareVersion', value: 'text' },
  { tag: 0x10, path: 'cardReader.errors', value: 'number' },
  { tag: 0x11, path: 'cardReader.doubleReadsSuppressed', value: 'number' },
  { tag: 0x20, path: 'printer.paperOut', value: 'number' },
  { tag: 0x21, path: 'printer.headErrors', value: 'number' },
  { tag: 0x30, path: 'reboots', value: 'number' },
  { tag: 0x31, path: 'crashes', value: 'number' },
  { tag: 0x40, path: 'network.type', value: 'text' },
  { tag: 0x41, path: 'network.carrier', value: 'text' },
  { tag: 0x42, path: 'network.signalDbm', value: 'number' },
  { tag: 0x50, path: 'offline.periods', value: 'number' },
  { tag: 0x51, path: 'offline.seconds', value: 'number' },
  { tag: 0x60, path: 'batteryPercent', value: 'number' },
];

const byTag: ReadonlyMap<number, StatusReportTag> = new Map(statusReportTags.map((t) => [t.tag, t]));

/** Field 62 is b..512 (cup-pos): the report must fit. */
const maxBytes = 512;
const chinaOffsetMs = 8 * 3_600_000;

const tagName = (tag: number): string => `0x${tag.toString(16).toUpperCase().padStart(2, '0')}`;

function valueAt(report: unknown, path: string): unknown {
  let at: unknown = report;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (next !== null && typeof next === 'object') at = next as Record<string, unknown>;
    else at = at[key] = {};
  }
  at[keys[keys.length - 1] ?? ''] = value;
}

/** `YYYYMMDDhhmmss` in China Standard Time (whole seconds). */
function chinaDigits(atMs: number): string {
  return new Date(atMs + chinaOffsetMs).toISOString().slice(0, 19).replace(/\D/g, '');
}

/**
 * Field 62 (upper-case hex, as the codec takes binary fields) of a report in its JSON form. Throws
 * POS_ERR_ISO_BAD_SUBFIELD when a value cannot travel: not printable ASCII, over 255 bytes, a time
 * that is not ISO 8601, or a report over field 62's 512 bytes.
 */
export function buildStatusReport(report: TelemetryReportJson): string {
  const problems: FieldProblem[] = [];
  const parts: Buffer[] = [];
  for (const { tag, path, value } of statusReportTags) {
    const given = valueAt(report, path);
    if (given === undefined) continue;
    let text: string;
    if (value === 'time') {
      const at = typeof given === 'string' ? parseIsoTime(given) : undefined;
      if (at === undefined) {
        problems.push({ field: path, expected: 'an ISO 8601 time with an offset', actual: typeof given });
        continue;
      }
      text = chinaDigits(at);
    } else if (typeof given === 'string' || typeof given === 'number') {
      text = String(given);
    } else {
      problems.push({ field: path, expected: value === 'text' ? 'text' : 'a number', actual: typeof given });
      continue;
    }
    if (!/^[\x20-\x7e]{0,255}$/.test(text)) {
      problems.push({
        field: path,
        expected: 'at most 255 printable ASCII characters',
        actual: `${text.length} characters`,
      });
      continue;
    }
    parts.push(Buffer.from([tag, text.length]), Buffer.from(text, 'latin1'));
  }
  const bytes = Buffer.concat(parts);
  if (bytes.length > maxBytes) {
    problems.push({
      field: 'report',
      expected: `at most ${maxBytes} bytes as TLV`,
      actual: `${bytes.length} bytes`,
    });
  }
  if (problems.length > 0) throw badSubfield('field 62 status report', problems);
  return bytes.toString('hex').toUpperCase();
}

/**
 * A status report read back from field 62 into its JSON form (not yet checked: the diagnostics
 * core does that), and the problems that keep the TLV itself from being read: an entry cut short,
 * a tag no report has, a tag twice, bytes that are not printable ASCII, a time not YYYYMMDDhhmmss.
 * Numbers stay text when they are not decimal digits, so the core names them as the wrong type.
 */
export function readStatusReport(hex: string): { report: Record<string, unknown>; problems: FieldProblem[] } {
  const bytes = Buffer.from(hex, 'hex');
  const report: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  const seen = new Set<number>();
  let offset = 0;
  while (offset < bytes.length) {
    const tag = bytes[offset] ?? 0;
    const length = bytes[offset + 1];
    const field = `field 62 tag ${tagName(tag)}`;
    if (length === undefined || offset + 2 + length > bytes.length) {
      problems.push({
        field,
        expected: 'a length byte and that many value bytes',
        actual: `the field ends at byte ${bytes.length}`,
      });
      break;
    }
    const raw = bytes.subarray(offset + 2, offset + 2 + length);
    offset += 2 + length;
    const known = byTag.get(tag);
    if (known === undefined) {
      problems.push({
        field,
        expected: 'a tag of the status report (docs/iso8583.md)',
        actual: 'a tag no report has',
      });
      continue;
    }
    const named = `${field} (${known.path})`;
    if (seen.has(tag)) {
      problems.push({ field: named, expected: 'once', actual: 'twice' });
      continue;
    }
    seen.add(tag);
    const text = raw.toString('latin1');
    if (!/^[\x20-\x7e]*$/.test(text)) {
      problems.push({
        field: named,
        expected: 'printable ASCII',
        actual: `${raw.length} bytes, not all printable`,
      });
      continue;
    }
    if (known.value === 'time') {
      const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
      if (m === null) {
        problems.push({
          field: named,
          expected: 'YYYYMMDDhhmmss (China Standard Time)',
          actual: `${text.length} characters`,
        });
        continue;
      }
      setAt(report, known.path, `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`);
    } else if (known.value === 'number' && /^-?\d{1,15}$/.test(text)) {
      setAt(report, known.path, Number(text));
    } else {
      setAt(report, known.path, text);
    }
  }
  return { report, problems };
}
