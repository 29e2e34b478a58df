// Assertions for programmer errors: a broken invariant means the process can no longer be trusted
// with money, so it stops instead of carrying on (TigerBeetle style). Never use these for input.

export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(`invariant broken: ${message}`);
}

export function assertNever(value: never, message = 'unexpected value'): never {
  throw new InvariantError(`invariant broken: ${message}: ${JSON.stringify(value)}`);
}
