// Assertions for programmer errors: a broken invariant means the process can no longer be trusted
// with money, so it stops instead of carrying on (TigerBeetle style). Never use these for input.
//
// The one policy for catch-alls (docs/decisions.md, "One assertion policy"): a catch-all that turns
// failures into answers, log lines or error codes (the HTTP error handler, the ISO 8583 door, the
// engine's background loops, a command wrapping what it read) first hands an InvariantError to
// `haltOnInvariant` or `rethrowInvariant`, which stop the process. The host's supervisor (systemd,
// Docker, Kubernetes) restarts it, and recovery on start settles what was in flight (orphaned
// sales, the reversal queue), exactly as after a crash.

export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(`invariant broken: ${message}`);
}

export function assertNever(value: never, message = 'unexpected value'): never {
  throw new InvariantError(`invariant broken: ${message}: ${JSON.stringify(value)}`);
}

export function isInvariantError(error: unknown): error is InvariantError {
  return error instanceof InvariantError;
}

/** How the process stops on a broken invariant a catch-all met. */
export type InvariantStop = (error: InvariantError) => void;

/**
 * Throws the error again outside every promise chain and framework, so no catch-all can take it:
 * Node ends the process on the uncaught exception (exit status 1, the stack on stderr).
 */
const throwUncaught: InvariantStop = (error) => {
  queueMicrotask(() => {
    throw error;
  });
};

let stop: InvariantStop = throwUncaught;
/** One stop per error, however many catch-alls it passes on its way up. */
const stopped = new WeakSet<InvariantError>();

/**
 * For a catch-all: stops the process when `error` is a broken invariant and says so (true), so the
 * catch-all gives no answer built on it; anything else is left to the catch-all (false).
 */
export function haltOnInvariant(error: unknown): error is InvariantError {
  if (!(error instanceof InvariantError)) return false;
  if (!stopped.has(error)) {
    stopped.add(error);
    stop(error);
  }
  return true;
}

/**
 * For a catch that rewords what it caught (into a PosError, an answer code, a refusal): a broken
 * invariant stops the process and is thrown on unchanged, never reworded as an operating error.
 */
export function rethrowInvariant(error: unknown): void {
  if (haltOnInvariant(error)) throw error;
}

/**
 * Replaces how the process stops, so a test can watch a stop instead of dying by it; gives back the
 * stop it replaced, for the test to put back.
 */
export function replaceInvariantStop(replacement: InvariantStop): InvariantStop {
  const previous = stop;
  stop = replacement;
  return previous;
}
