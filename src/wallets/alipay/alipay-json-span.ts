// Cuts the top-level members of a JSON object out of its text, each as the exact characters it
// was sent as. Alipay signs the text of the response node (`"alipay_trade_pay_response":{...}`)
// as it wrote it, so verifying needs those characters, not a re-serialisation (key order, spacing
// and escapes would differ). Only the top level is scanned; a member's value is then parsed with
// JSON.parse. Duplicate top-level names are refused: which one was signed would be ambiguous.

/** Index after the string that starts at `at` (an opening quote), or -1 when it never closes. */
function endOfString(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i += 1) {
    const c = text[i];
    if (c === '\\') i += 1;
    else if (c === '"') return i + 1;
  }
  return -1;
}

/** Index after the value that starts at `at`, or -1 when it is cut short. */
function endOfValue(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return endOfString(text, at);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let i = at; i < text.length; i += 1) {
      const c = text[i];
      if (c === '"') {
        i = endOfString(text, i) - 1;
        if (i < 0) return -1;
      } else if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = at;
  while (i < text.length && !/[\s,}\]]/.test(text[i] ?? '')) i += 1;
  return i > at ? i : -1;
}

function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && /\s/.test(text[i] ?? '')) i += 1;
  return i;
}

/**
 * The raw text of each top-level member of a JSON object, by name; undefined when `text` is not a
 * JSON object or names a member twice.
 */
export function topLevelMembers(text: string): Map<string, string> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  } catch {
    return undefined;
  }
  // The text is valid JSON (checked above), so the scan below only has to find boundaries.
  const members = new Map<string, string>();
  let i = skipSpace(text, 0) + 1;
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] === '}') return members;
    const nameEnd = endOfString(text, i);
    const name = JSON.parse(text.slice(i, nameEnd)) as string;
    i = skipSpace(text, nameEnd) + 1; // the colon
    i = skipSpace(text, i);
    const valueEnd = endOfValue(text, i);
    if (valueEnd < 0 || members.has(name)) return undefined;
    members.set(name, text.slice(i, valueEnd));
    i = skipSpace(text, valueEnd);
    if (text[i] === ',') i += 1;
  }
}
