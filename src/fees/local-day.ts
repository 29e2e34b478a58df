// Calendar days as posguard's fee statements count them: whole days since 1970-01-01 in the
// merchant's local time (China Standard Time, UTC+8, has had no daylight saving since 1991, so a
// fixed offset is exact). Days are integers so the pricing hot path never builds a Date.

export const msPerDay = 86_400_000;

/** UTC+8: the offset every statement uses unless the caller passes another. */
export const chinaUtcOffsetMinutes = 480;

/** The local day number (days since 1970-01-01) of an instant. */
export function localDayOf(atMs: number, utcOffsetMinutes: number): number {
  return Math.floor((atMs + utcOffsetMinutes * 60_000) / msPerDay);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function dayFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The inverse of `dayFromCivil` (Hinnant's civil_from_days). */
export function civilFromDay(dayNumber: number): CivilDate {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysInMonth(year: number, month: number): number {
  return (
    dayFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) -
    dayFromCivil(year, month, 1)
  );
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` into a day number; undefined unless it names a real date. */
export function parseDay(text: string): number | undefined {
  const match = datePattern.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return dayFromCivil(year, month, day);
}

/** Parses `YYYY-MM` into its first day and day count; undefined unless it names a real month. */
export function parseMonth(text: string): { readonly firstDay: number; readonly days: number } | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  if (month < 1 || month > 12) return undefined;
  return { firstDay: dayFromCivil(year, month, 1), days: daysInMonth(year, month) };
}

export function formatDay(dayNumber: number): string {
  const { year, month, day } = civilFromDay(dayNumber);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The same month and day `years` later, or undefined where that date does not exist. */
export function sameDateInYear(dayNumber: number, year: number): number | undefined {
  const date = civilFromDay(dayNumber);
  if (date.day > daysInMonth(year, date.month)) return undefined;
  return dayFromCivil(year, date.month, date.day);
}
