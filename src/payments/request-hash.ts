// The fingerprint of a request's content, stored with its idempotency key: a repeat with the same
// key must carry the same content (IETF draft "The Idempotency-Key HTTP Header Field", section 2.6:
// the same key with a different payload is an error). Card numbers enter only as their keyed
// fingerprint, so the hash reveals nothing about the card.
import { createHash } from 'node:crypto';

type Canonical =
  string | number | boolean | null | readonly Canonical[] | { readonly [key: string]: Canonical };

function canonicalJson(value: Canonical): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v: Canonical) => canonicalJson(v)).join(',')}]`;
  const object = value as { readonly [key: string]: Canonical };
  const keys = Object.keys(object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k] ?? null)}`).join(',')}}`;
}

export function requestHash(operation: string, content: { readonly [key: string]: Canonical }): string {
  return createHash('sha256').update(canonicalJson({ operation, content }), 'utf8').digest('hex');
}
