// How errors look on the wire: every 4xx and 5xx is `{ statusCode, code, error, message,
// problems?, cashierMessage? }` with a stable code from docs/errors.md. Validation failures list
// every problem at once, each naming the field, what was expected and what came; card numbers and
// payment codes are never echoed. `cashierMessage` ({ zh, en }) is what the cashier is shown, for
// the errors a cashier can act on (a QR code to rescan, a QR sale to wait for).
import { haltOnInvariant } from '../assert.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { describePanInput } from '../cards/card.js';
import { freeTextProblem } from '../cards/card-in-text.js';
import { errorCatalogue, type ErrorCode, type ErrorEntry } from '../error-catalogue.js';
import { describeKind, describeValue, isPosError, PosError, type FieldProblem } from '../pos-error.js';

/** The HTTP status of every error code the API can answer with, read from the error catalogue. */
export const httpStatusOfCode: Readonly<Partial<Record<ErrorCode, number>>> = Object.fromEntries(
  Object.entries(errorCatalogue).flatMap(([code, entry]: [string, ErrorEntry]) =>
    entry.http === undefined ? [] : [[code, entry.http]],
  ),
);

interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
  readonly parentSchema?: Record<string, unknown>;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function expectationOf(issue: ValidationIssue): string {
  const hint = issue.parentSchema?.['x-expected'];
  const p = issue.params;
  switch (issue.keyword) {
    case 'required':
      return 'a value (it is required)';
    case 'additionalProperties':
      return 'no such field';
    case 'type':
      return typeof hint === 'string' ? hint : `a value of type ${String(p['type'])}`;
    case 'enum':
      return `one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'x-luhn':
      return '12 to 19 digits passing the Luhn check';
    case 'x-free-text':
      if (typeof hint === 'string') return hint;
      return 'plain text without control characters and without a card number or payment code';
    case 'if': {
      // The body's choice between alternatives (a card or a payment code): said in its own words.
      const choice = issue.parentSchema?.['x-choice'];
      return typeof choice === 'string' ? choice : (issue.message ?? issue.keyword);
    }
    default:
      return typeof hint === 'string' ? hint : (issue.message ?? issue.keyword);
  }
}

/** Turns Ajv's errors into field problems, one per field, reading what came from the input. */
export function validationProblems(
  issues: readonly ValidationIssue[],
  context: string,
  input: unknown,
): FieldProblem[] {
  const problems = new Map<string, FieldProblem>();
  for (const issue of issues) {
    const path = issue.instancePath.split('/').filter((segment) => segment !== '');
    const extra =
      issue.keyword === 'required'
        ? String(issue.params['missingProperty'])
        : issue.keyword === 'additionalProperties'
          ? String(issue.params['additionalProperty'])
          : undefined;
    if (extra !== undefined) path.push(extra);
    const field = path.length === 0 ? context : path.join('.');
    if (problems.has(field)) continue;
    const value = issue.keyword === 'required' ? undefined : valueAt(input, path);
    // A field that should not be there is named, its content never shown (card.cvv, card.track2...).
    const actual =
      issue.keyword === 'additionalProperties'
        ? describeKind(value)
        : path[path.length - 1] === 'pan'
          ? describePanInput(value)
          : typeof value === 'string' && freeTextProblem(value) !== undefined
            ? (freeTextProblem(value) ?? '')
            : describeValue(value);
    problems.set(field, { field, expected: expectationOf(issue), actual });
  }
  return [...problems.values()];
}

/** The cashier's words an error carries in its details, if any (both languages, or none). */
function cashierMessageOf(error: PosError): { zh: string; en: string } | undefined {
  const text = error.details['cashierMessage'];
  if (typeof text !== 'object' || text === null) return undefined;
  const { zh, en } = text as Record<string, unknown>;
  return typeof zh === 'string' && typeof en === 'string' ? { zh, en } : undefined;
}

export function errorBody(statusCode: number, error: PosError): Record<string, unknown> {
  const cashierMessage = cashierMessageOf(error);
  return {
    statusCode,
    code: error.code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message: error.message,
    ...(error.problems.length > 0 ? { problems: error.problems } : {}),
    ...(cashierMessage !== undefined ? { cashierMessage } : {}),
  };
}

function fromFastify(error: FastifyError, request: FastifyRequest): PosError {
  if (error.validation !== undefined) {
    const context = error.validationContext ?? 'body';
    const input =
      context === 'body' ? request.body : context === 'querystring' ? request.query : request.params;
    const problems = validationProblems(error.validation, context, input);
    return PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', `request ${context}`, problems);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new PosError('POS_ERR_HTTP_MALFORMED_JSON', `the body is not valid JSON: ${error.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PosError(
        'POS_ERR_HTTP_BODY_TOO_LARGE',
        'the body is larger than the 16 KiB a request may carry',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PosError(
        'POS_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
        `content-type: expected application/json, got ${JSON.stringify(request.headers['content-type'] ?? '')}`,
      );
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return new PosError('POS_ERR_HTTP_INVALID_REQUEST', error.message, { cause: error });
      }
      return new PosError(
        'POS_ERR_HTTP_INTERNAL',
        'the host failed to process the request; nothing was charged twice',
        {
          cause: error,
        },
      );
  }
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // A broken invariant stops the process (assert.ts); this client still gets the 500 below, if the
  // process lives long enough to send it. Idempotency holds: a retry with its key is safe.
  if (haltOnInvariant(error)) request.log.fatal({ err: error }, 'invariant broken: the process stops');
  const posError = isPosError(error) ? error : fromFastify(error as FastifyError, request);
  const statusCode = httpStatusOfCode[posError.code] ?? 500;
  if (statusCode >= 500) {
    request.log.error({ err: error, code: posError.code }, posError.message);
  }
  if (posError.code === 'POS_ERR_IDEMPOTENCY_IN_FLIGHT') void reply.header('retry-after', '1');
  const retryAfterS = posError.details['retryAfterS'];
  if (typeof retryAfterS === 'number') void reply.header('retry-after', String(retryAfterS));
  return reply.status(statusCode).send(errorBody(statusCode, posError));
}
