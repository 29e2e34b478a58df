// The one error class every operating error in posguard uses. An operating error is something the
// outside world did (bad input, a missing terminal, a database that went away); it carries a
// stable code (`POS_ERR_<AREA>_<WHAT>`, listed in docs/errors.md), a message that names what was
// wrong, what was expected and what came, and structured details for machines. Programmer errors
// are not PosErrors: they are assertions (see `assert.ts`) that stop the process.
import type { ErrorCode } from './error-catalogue.js';

/** One problem with one input field: what was expected and what actually came. */
export interface FieldProblem {
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
}

export interface PosErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly problems?: readonly FieldProblem[];
  readonly cause?: unknown;
}

export class PosError extends Error {
  override readonly name = 'PosError';
  /** One of the codes in error-catalogue.ts: a code not there does not compile. */
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  readonly problems: readonly FieldProblem[];

  constructor(code: ErrorCode, message: string, options: PosErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.problems = options.problems ?? [];
  }

  /** Builds the error for a list of field problems, with every problem in the message. */
  static invalidInput(code: ErrorCode, what: string, problems: readonly FieldProblem[]): PosError {
    const listed = problems.map((p) => `${p.field}: expected ${p.expected}, got ${p.actual}`).join('; ');
    return new PosError(code, `invalid ${what}: ${listed}`, { problems });
  }
}

export function isPosError(value: unknown): value is PosError {
  return value instanceof PosError;
}

/**
 * What could be card data: a run of digits as long as a card number (or track data holding one),
 * or hex as long as a PIN block or a key. Error messages describe such values, never echo them.
 */
const cardLike = /\d{12}|[0-9A-Fa-f]{16}/;

/**
 * Describes a value for an error message without ever echoing more than a short excerpt, and
 * without echoing at all what could be card data (see `cardLike`).
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    if (cardLike.test(value)) return `a ${value.length}-character string (not shown: it may hold card data)`;
    return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    return cardLike.test(text) ? `a ${text.length}-digit number (not shown: it may be a card number)` : text;
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}

/** The kind of a value and nothing of its content: for a field that should not be there at all. */
export function describeKind(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
