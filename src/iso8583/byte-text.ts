// Lookup tables that turn bytes into digit, track and hex text and back, built once at load so the
// codec's hot path is table reads and no regular expressions, no parseInt, no per-call closures.

function table<T>(size: number, entry: (index: number) => T): readonly T[] {
  return Array.from({ length: size }, (_, index) => entry(index));
}

const hexDigits = '0123456789ABCDEF';

/** The two upper-case hex characters of each byte value. */
export const hexPairs: readonly string[] = table(256, (b) => `${hexDigits[b >> 4]}${hexDigits[b & 15]}`);

/** The two decimal digits of each packed-BCD byte, or '' when a nibble is above 9. */
export const bcdPairs: readonly string[] = table(256, (b) =>
  b >> 4 > 9 || (b & 15) > 9 ? '' : hexPairs[b]!,
);

/** One character per nibble of track data (CUP POS spec, fields 35 and 36): D is the `=` separator. */
export const trackChars: readonly string[] = table(16, (n) => (n === 13 ? '=' : hexDigits[n]!));

/** The two track characters of each byte. Every byte is valid track data. */
export const trackPairs: readonly string[] = table(256, (b) => `${trackChars[b >> 4]}${trackChars[b & 15]}`);

/** The single digit character of the values 0 to 9. */
export const digitChars: readonly string[] = table(10, (d) => String(d));

function nibbleTable(accept: (char: string) => number): Int8Array {
  const nibbles = new Int8Array(128).fill(-1);
  for (let code = 0; code < 128; code += 1) nibbles[code] = accept(String.fromCharCode(code));
  return nibbles;
}

/** Character code to nibble for hex digits of either case; -1 for anything else (index < 128). */
export const hexNibbles: Int8Array = nibbleTable((c) =>
  /^[0-9a-fA-F]$/.test(c) ? hexDigits.indexOf(c.toUpperCase()) : -1,
);

/**
 * Character code to nibble for track text in BCD: digits, `=` (nibble D) and the hex letters an
 * encrypted track may hold, upper-case, except D itself, which would read back as `=`.
 */
export const trackNibbles: Int8Array = nibbleTable((c) => {
  if (c === '=') return 13;
  return /^[0-9ABCEF]$/.test(c) ? hexDigits.indexOf(c) : -1;
});

/** Upper-case hex of `bytes[start, end)`. Short runs by table, long ones by the native encoder. */
export function hexOf(bytes: Buffer, start: number, end: number): string {
  if (end - start > 16) return bytes.toString('hex', start, end).toUpperCase();
  let text = '';
  for (let i = start; i < end; i += 1) text += hexPairs[bytes[i]!]!;
  return text;
}

/** True when `text` is hex digits only, of even length. */
export function isHex(text: string): boolean {
  if ((text.length & 1) === 1) return false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 128 || hexNibbles[code]! < 0) return false;
  }
  return true;
}
