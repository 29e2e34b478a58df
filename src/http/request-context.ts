// What every authenticated request carries once its edges are checked: the merchant its API key
// belongs to, and, for POSTs, its idempotency key. Header rules follow the IETF draft "The
// Idempotency-Key HTTP Header Field": the key is required on every POST, 1 to 255 characters, and
// may be sent as a structured-field string ("...").
import type { FastifyReply, FastifyRequest } from 'fastify';
import { holdsCardNumber } from '../cards/card-in-text.js';
import type { EngineAnswer, MerchantRecord } from '../payments/payment.js';
import { PosError } from '../pos-error.js';
import { answerJson } from '../payments/ports/answer-json.js';
import type { OperationsKeyRecord } from '../payments/ports/operations-key-store.js';

export const maxIdempotencyKeyLength = 255;

/** Parses an Idempotency-Key header value; returns the key or throws a PosError naming the problem. */
export function parseIdempotencyKey(header: string | string[] | undefined): string {
  if (header === undefined) {
    throw new PosError(
      'POS_ERR_IDEMPOTENCY_KEY_MISSING',
      'Idempotency-Key: expected a header naming this request (1 to 255 characters), got none',
    );
  }
  if (Array.isArray(header)) {
    throw new PosError(
      'POS_ERR_IDEMPOTENCY_KEY_INVALID',
      `Idempotency-Key: expected one header, got ${header.length}`,
    );
  }
  let key = header.trim();
  const quoted = key.length >= 2 && key.startsWith('"') && key.endsWith('"');
  if (!quoted && key.includes(',')) {
    // How HTTP joins a header sent twice: two keys for one request, which one would be a guess.
    throw new PosError(
      'POS_ERR_IDEMPOTENCY_KEY_INVALID',
      'Idempotency-Key: expected one key, got a list (the header sent twice, or a comma outside quotes)',
    );
  }
  if (quoted) {
    // A structured-field string (RFC 8941 section 3.3.3): unescape \" and \\.
    const inner = key.slice(1, -1);
    if (/(^|[^\\])"/.test(inner) || /\\[^"\\]/.test(inner) || inner.endsWith('\\')) {
      throw new PosError(
        'POS_ERR_IDEMPOTENCY_KEY_INVALID',
        'Idempotency-Key: expected a valid structured-field string, got a malformed quoted value',
      );
    }
    key = inner.replace(/\\(["\\])/g, '$1');
  }
  if (key.length < 1 || key.length > maxIdempotencyKeyLength || !/^[\x20-\x7e]+$/.test(key)) {
    throw new PosError(
      'POS_ERR_IDEMPOTENCY_KEY_INVALID',
      `Idempotency-Key: expected 1 to ${maxIdempotencyKeyLength} printable ASCII characters, got ${
        key.length === 0 ? 'an empty value' : `${key.length} characters`
      }`,
    );
  }
  if (holdsCardNumber(key)) {
    // Keys are stored and logged: a card number in one would sit there in clear.
    throw new PosError(
      'POS_ERR_IDEMPOTENCY_KEY_INVALID',
      `Idempotency-Key: expected a key holding no card number, got a ${key.length}-character key that looks like one (not shown)`,
    );
  }
  return key;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The merchant whose API key the request carries; null for an operations key. */
    merchant: MerchantRecord | null;
    /** The operations key the request carries (docs/security.md, "Operations keys"); null for a merchant's. */
    operations: OperationsKeyRecord | null;
    idempotencyKey: string | null;
  }
}

/**
 * Who is asking, and so what they may see: a merchant (its own terminals and payments) or the
 * acquirer's operations staff (the whole fleet, read only, on the routes that say so).
 */
export type Caller =
  | { readonly role: 'merchant'; readonly merchant: MerchantRecord }
  | { readonly role: 'operations'; readonly key: OperationsKeyRecord };

/** The caller of an authenticated request, for the routes both roles may read. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.operations !== null) return { role: 'operations', key: request.operations };
  return { role: 'merchant', merchant: merchantOf(request) };
}

/**
 * The merchant of an authenticated request (routes run only after authentication). Every route
 * that acts for one merchant reads it here, so an operations key is refused by all of them (403).
 */
export function merchantOf(request: FastifyRequest): MerchantRecord {
  if (request.operations !== null) {
    throw new PosError(
      'POS_ERR_AUTH_MERCHANT_KEY_REQUIRED',
      `Authorization: expected a merchant's API key on ${request.method} ${request.routeOptions.url ?? 'this route'}, got the operations key ${request.operations.id}: an operations key reads the fleet's views (diagnostics, overview, payments and their history, terminals, merchants, reconciliation runs), and acts for no merchant`,
      { details: { operationsKeyId: request.operations.id } },
    );
  }
  if (request.merchant === null) {
    throw new PosError(
      'POS_ERR_AUTH_MISSING_API_KEY',
      'Authorization: expected "Bearer <API key>", got none',
    );
  }
  return request.merchant;
}

export function idempotencyKeyOf(request: FastifyRequest): string {
  if (request.idempotencyKey === null) return parseIdempotencyKey(undefined);
  return request.idempotencyKey;
}

/** Sends a stored or fresh engine answer, written as JSON, with its status. */
export function sendAnswer(reply: FastifyReply, answer: EngineAnswer, replayed: boolean): FastifyReply {
  if (replayed) void reply.header('idempotent-replayed', 'true');
  const { status, body } = answerJson(answer);
  return reply.status(status).type('application/json; charset=utf-8').send(body);
}
