// --from / --to as people type them: a local date (2026-11-25, the whole day at the given UTC
// offset) or an exact ISO 8601 time with offset. --to is inclusive for dates, exclusive for times.
import { PosError } from '../pos-error.js';

export function parseUtcOffset(command: string, text: string): number {
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(text);
  const minutes =
    match === null ? Number.NaN : (Number(match[2]) * 60 + Number(match[3])) * (match[1] === '-' ? -1 : 1);
  if (!Number.isInteger(minutes) || Math.abs(minutes) > 14 * 60) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${command}: --utc-offset expected +HH:MM such as +08:00, got ${JSON.stringify(text)}`,
    );
  }
  return minutes;
}

/** Epoch ms of a --from (start) or --to (end, exclusive) bound. */
export function parseBound(
  command: string,
  flag: 'from' | 'to',
  text: string,
  offsetMinutes: number,
): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date !== null) {
    const start = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])) - offsetMinutes * 60_000;
    const valid = new Date(start + offsetMinutes * 60_000).toISOString().startsWith(text);
    if (valid) return flag === 'from' ? start : start + 86_400_000;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return at;
  }
  throw new PosError(
    'POS_ERR_CLI_BAD_FLAG',
    `${command}: --${flag} expected a date such as 2026-11-25 or a time such as 2026-11-25T14:00:00+08:00, got ${JSON.stringify(text)}`,
  );
}

/** Refuses a --from that is not before --to: the range would hold nothing, silently. */
export function checkRange(command: string, fromMs: number | undefined, toMs: number | undefined): void {
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${command}: --from expected a time before --to, got ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()} (an empty range)`,
    );
  }
}
