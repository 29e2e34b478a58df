// Parsing the typed cells of the v1 files straight from bytes: integer fen and ISO 8601 times with
// an offset. Each parser returns a sentinel instead of throwing so the reader can name the file,
// line and column in the error it raises.
import { maxAmountMinor } from '../../money/money.js';

/** What `parseFen` gives for text that is not a whole, non-negative number of fen. */
export const notFen = -1;

/** Parses `[0-9]+` (at most 12 digits, ISO 8583 field 4) into fen; `notFen` for anything else. */
export function parseFen(buffer: Buffer, start: number, end: number): number {
  const length = end - start;
  if (length === 0 || length > 12) return notFen;
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = buffer[i]! - 48;
    if (digit < 0 || digit > 9) return notFen;
    value = value * 10 + digit;
  }
  return value <= maxAmountMinor ? value : notFen;
}

function digitsAt(buffer: Buffer, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i += 1) {
    const digit = buffer[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const dayMs = 86_400_000;

/** Days from 1970-01-01 to the given civil date (proleptic Gregorian), after H. Hinnant's algorithm. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Epoch milliseconds of a wall-clock time; NaN when a part is out of range. `offsetMinutes` is the
 * local offset east of UTC (+08:00 gives 480).
 */
export function wallClockToEpochMs(parts: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  offsetMinutes: number;
}): number {
  const { year, month, day, hour, minute, second, millisecond, offsetMinutes } = parts;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 59 || millisecond < 0) return Number.NaN;
  const local = daysFromCivil(year, month, day) * dayMs + ((hour * 60 + minute) * 60 + second) * 1000;
  return local + millisecond - offsetMinutes * 60_000;
}

/**
 * Parses ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM|+HHMM)` (a space or a lower-case
 * t may stand for the T, and z for Z, as RFC 3339 allows) into epoch milliseconds, the offset honoured; NaN for anything else,
 * including a time without an offset, which names no instant.
 */
export function parseIsoTime(buffer: Buffer, start: number, end: number): number {
  if (end - start < 20) return Number.NaN;
  const year = digitsAt(buffer, start, 4);
  const month = digitsAt(buffer, start + 5, 2);
  const day = digitsAt(buffer, start + 8, 2);
  const hour = digitsAt(buffer, start + 11, 2);
  const minute = digitsAt(buffer, start + 14, 2);
  const second = digitsAt(buffer, start + 17, 2);
  const separator = buffer[start + 10];
  if (
    year < 0 ||
    month < 0 ||
    day < 0 ||
    hour < 0 ||
    minute < 0 ||
    second < 0 ||
    buffer[start + 4] !== 0x2d ||
    buffer[start + 7] !== 0x2d ||
    (separator !== 0x54 && separator !== 0x74 && separator !== 0x20) ||
    buffer[start + 13] !== 0x3a ||
    buffer[start + 16] !== 0x3a
  ) {
    return Number.NaN;
  }
  let i = start + 19;
  let millisecond = 0;
  if (buffer[i] === 0x2e || buffer[i] === 0x2c) {
    i += 1;
    const fractionStart = i;
    while (i < end && buffer[i]! >= 0x30 && buffer[i]! <= 0x39) {
      if (i - fractionStart < 3) millisecond = millisecond * 10 + (buffer[i]! - 48);
      i += 1;
    }
    const digits = i - fractionStart;
    if (digits === 0 || digits > 9) return Number.NaN;
    for (let d = digits; d < 3; d += 1) millisecond *= 10;
  }
  let offsetMinutes: number;
  const sign = buffer[i];
  if ((sign === 0x5a || sign === 0x7a) && i + 1 === end) {
    offsetMinutes = 0;
  } else if (sign === 0x2b || sign === 0x2d) {
    const rest = end - i - 1;
    let offsetHour: number;
    let offsetMinute: number;
    if (rest === 5 && buffer[i + 3] === 0x3a) {
      offsetHour = digitsAt(buffer, i + 1, 2);
      offsetMinute = digitsAt(buffer, i + 4, 2);
    } else if (rest === 4) {
      offsetHour = digitsAt(buffer, i + 1, 2);
      offsetMinute = digitsAt(buffer, i + 3, 2);
    } else {
      return Number.NaN;
    }
    if (offsetHour < 0 || offsetHour > 18 || offsetMinute < 0 || offsetMinute > 59) return Number.NaN;
    offsetMinutes = (sign === 0x2d ? -1 : 1) * (offsetHour * 60 + offsetMinute);
  } else {
    return Number.NaN;
  }
  return wallClockToEpochMs({ year, month, day, hour, minute, second, millisecond, offsetMinutes });
}
