// Comparing terminal software versions as people number them: `3.10.0` is newer than `3.9.2`, and
// `2.0.0-rc1` sorts as its parts say (digits as numbers, other text as text).

/** Negative when `a` is older than `b`, positive when newer, 0 when the same. */
export function compareVersions(a: string, b: string): number {
  const partsA = a.split(/[.\-_+ ]/);
  const partsB = b.split(/[.\-_+ ]/);
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i += 1) {
    const x = partsA[i] ?? '';
    const y = partsB[i] ?? '';
    if (x === y) continue;
    const numeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    if (numeric) return Number(x) - Number(y);
    if (x === '') return -1;
    if (y === '') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
