// Date and time fields of answers (12 hhmmss, 13 MMDD, 15 settlement date MMDD) in China Standard
// Time, UTC+8 all year: the time CUP terminals show and acquirers settle in.
const chinaOffsetMs = 8 * 3600 * 1000;

export function chinaLocalTime(epochMs: number): { hhmmss: string; mmdd: string } {
  const iso = new Date(epochMs + chinaOffsetMs).toISOString(); // 2026-11-25T14:00:00.000Z
  return {
    hhmmss: `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`,
    mmdd: `${iso.slice(5, 7)}${iso.slice(8, 10)}`,
  };
}

/** YYYYMMDDhhmmss in China Standard Time, for texts that need the whole moment. */
export function chinaTimestamp(epochMs: number): string {
  const iso = new Date(epochMs + chinaOffsetMs).toISOString();
  return iso.slice(0, 19).replace(/[-T:]/g, '');
}
