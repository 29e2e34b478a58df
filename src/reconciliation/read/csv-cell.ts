// The writing side of csv-scanner.ts: one cell quoted per RFC 4180, for the v1 lines posguard
// writes (v1-lines.ts) and the exceptions.csv of its reports.

/** Quotes a cell per RFC 4180 when it holds a comma, a quote or a line break. */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
