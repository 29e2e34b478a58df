// Reading a JSON body as UTF-8 or not at all. Bytes that are not UTF-8 are refused with a coded
// 400 naming the field that holds them (found by decoding a repaired copy, never stored), so a
// client learns which of its values its own encoder broke.
import { isUtf8 } from 'node:buffer';
import { PosError } from '../pos-error.js';

/** The replacement character a lossy decode leaves where bytes were not UTF-8. */
const replacement = '\uFFFD';

/** How deep the search for the broken field goes; a payment request is two levels deep. */
const maxDepth = 8;

function pathOfReplacement(value: unknown, path: readonly string[], depth: number): string | undefined {
  if (typeof value === 'string') return value.includes(replacement) ? path.join('.') : undefined;
  if (value === null || typeof value !== 'object' || depth >= maxDepth) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes(replacement)) return [...path, '(a field name)'].join('.');
    const found = pathOfReplacement(inner, [...path, key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The field holding the bytes that are not UTF-8, or "body" when it cannot be told. */
function fieldOfBadBytes(body: Buffer): string {
  try {
    const found = pathOfReplacement(JSON.parse(body.toString('utf8')) as unknown, [], 0);
    return found === undefined || found === '' ? 'body' : found;
  } catch {
    return 'body';
  }
}

/** Hands the body's text to `parse` when it is UTF-8; refuses it through `fail` otherwise. */
export function parseUtf8Json(
  body: Buffer,
  parse: (text: string) => void,
  fail: (error: PosError) => void,
): void {
  if (isUtf8(body)) {
    parse(body.toString('utf8'));
    return;
  }
  const field = fieldOfBadBytes(body);
  fail(
    PosError.invalidInput('POS_ERR_HTTP_INVALID_UTF8', 'request body', [
      { field, expected: 'UTF-8 text (RFC 8259)', actual: 'bytes that are not UTF-8' },
    ]),
  );
}
