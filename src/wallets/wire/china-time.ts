// Times as the wallets write them: wall-clock time in China (UTC+8, no daylight saving), either
// "yyyy-MM-dd HH:mm:ss" (Alipay) or "yyyyMMddHHmmss" (WeChat Pay). Both wallets document their
// times in Beijing time whatever the caller's zone, so the offset is fixed here, not read from the
// machine.
const chinaOffsetMs = 8 * 60 * 60 * 1000;

function parts(epochMs: number): string[] {
  const d = new Date(epochMs + chinaOffsetMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return [
    String(d.getUTCFullYear()).padStart(4, '0'),
    two(d.getUTCMonth() + 1),
    two(d.getUTCDate()),
    two(d.getUTCHours()),
    two(d.getUTCMinutes()),
    two(d.getUTCSeconds()),
  ];
}

/** Epoch ms as "2024-05-01 12:30:00" in China time (Alipay's `timestamp`, `gmt_payment`). */
export function chinaTime(epochMs: number): string {
  const [y, mo, d, h, mi, s] = parts(epochMs);
  return `${y}-${mo}-${d} ${h}:${mi}:${s}`;
}

/** Epoch ms as "20240501123000" in China time (WeChat Pay's `time_end`, `time_expire`). */
export function chinaCompactTime(epochMs: number): string {
  return parts(epochMs).join('');
}

const pattern = /^(\d{4})-?(\d{2})-?(\d{2})[ ]?(\d{2}):?(\d{2}):?(\d{2})$/;

/**
 * Reads either form back into epoch ms; undefined when the text is neither form or names no real
 * time (a 31 February, a 25th hour).
 */
export function parseChinaTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const compact = /^\d{14}$/.test(text);
  const spaced = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text);
  if (!compact && !spaced) return undefined;
  const match = pattern.exec(text);
  if (match === null) return undefined;
  const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const epochMs = Date.UTC(y, mo - 1, d, h, mi, s) - chinaOffsetMs;
  // A date that rolled over (31 February became 3 March) is not the date the wallet wrote.
  return (compact ? chinaCompactTime(epochMs) : chinaTime(epochMs)) === text ? epochMs : undefined;
}
