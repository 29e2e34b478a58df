// Numbers, amounts and times as the reader's language writes them (Intl). Amounts arrive in fen
// (integer minor units) and are shown in yuan with two decimals; times are China time, the
// business day of the merchants posguard serves.
import { locale, type Locale } from './i18n.js';

export const timeZone = 'Asia/Shanghai';

const moneyFormats = new Map<Locale, Intl.NumberFormat>();
const countFormats = new Map<Locale, Intl.NumberFormat>();
const timeFormats = new Map<Locale, Intl.DateTimeFormat>();

function cached<V>(map: Map<Locale, V>, lang: Locale, make: () => V): V {
  let value = map.get(lang);
  if (value === undefined) {
    value = make();
    map.set(lang, value);
  }
  return value;
}

/** Fen as yuan with two decimals and the currency sign of the language (¥12.80, CN¥12.80). */
export function formatFen(fen: number, lang: Locale = locale.get()): string {
  const format = cached(
    moneyFormats,
    lang,
    () =>
      new Intl.NumberFormat(lang, {
        style: 'currency',
        currency: 'CNY',
        minimumFractionDigits: 2,
        maximumFractionDigits: 2,
      }),
  );
  // Fen are exact integers: dividing by 100 is exact to the cent for every safe amount shown.
  return format.format(fen / 100);
}

export function formatCount(n: number, lang: Locale = locale.get()): string {
  return cached(countFormats, lang, () => new Intl.NumberFormat(lang)).format(n);
}

/** A moment, as date and time in China time. */
export function formatTime(iso: string | number, lang: Locale = locale.get()): string {
  const format = cached(
    timeFormats,
    lang,
    () =>
      new Intl.DateTimeFormat(lang, {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      }),
  );
  return format.format(new Date(iso));
}

/** Yuan as typed ("12.8", "12.80", "1,280") into fen, or undefined when it is not an amount. */
export function parseYuan(text: string): number | undefined {
  const cleaned = text.trim().replace(/[,，\s]/g, '');
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(cleaned)) return undefined;
  const [whole = '0', cents = ''] = cleaned.split('.');
  return Number(whole) * 100 + Number(cents.padEnd(2, '0'));
}

/** Today's date (YYYY-MM-DD) in China time. */
export function todayInChina(now: number = Date.now()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(now));
}

/** The start of a China-time day (YYYY-MM-DD) as an ISO instant, for the API's from/to. */
export function chinaDayStart(day: string): string {
  return new Date(`${day}T00:00:00+08:00`).toISOString();
}
