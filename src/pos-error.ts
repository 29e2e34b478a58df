// The one error class every operating error in posguard uses. An operating error is something the
// outside world did (bad input, a missing terminal, a database that went away); it carries a
// stable code (`POS_ERR_<AREA>_<WHAT>`, listed in docs/errors.md), a message that names what was
// wrong, what was expected and what came, and structured details for machines. Programmer errors
// are not PosErrors: they are assertions (see `assert.ts`) that stop the process.

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
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly problems: readonly FieldProblem[];

  constructor(code: string, message: string, options: PosErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.problems = options.problems ?? [];
  }

  /** Builds the error for a list of field problems, with every problem in the message. */
  static invalidInput(code: string, what: string, problems: readonly FieldProblem[]): PosError {
    const listed = problems.map((p) => `${p.field}: expected ${p.expected}, got ${p.actual}`).join('; ');
    return new PosError(code, `invalid ${what}: ${listed}`, { problems });
  }
}

export function isPosError(value: unknown): value is PosError {
  return value instanceof PosError;
}

/** Describes a value for an error message without ever echoing more than a short excerpt. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}
