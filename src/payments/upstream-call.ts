// Calling the upstream with a deadline. The upstream may never answer (a lost answer) or answer
// late; the host waits at most `upstreamTimeoutMs` and then treats the outcome as unknown, which
// always leads to a reversal. A thrown error is unknown too: only an explicit `unavailable` says
// nothing was processed.
import type { EngineContext } from './engine-context.js';

export type CallOutcome<T> =
  { readonly kind: 'answer'; readonly answer: T } | { readonly kind: 'unknown'; readonly why: string };

/** The abort reason once a call is over; shared, so an abort builds no DOMException. */
const callOver = new Error('the upstream call is over');

export async function callWithDeadline<T>(
  ctx: EngineContext,
  operation: 'authorize' | 'reverse',
  call: (signal: AbortSignal) => Promise<T>,
  describe: (answer: T) => string,
): Promise<CallOutcome<T>> {
  const started = ctx.clock.now();
  const controller = new AbortController();
  const timedOut = ctx.clock
    .sleep(ctx.settings.upstreamTimeoutMs, controller.signal)
    .then((elapsed): CallOutcome<T> | undefined =>
      elapsed ? { kind: 'unknown', why: `no answer within ${ctx.settings.upstreamTimeoutMs} ms` } : undefined,
    );
  const answered = call(controller.signal).then(
    (answer): CallOutcome<T> => ({ kind: 'answer', answer }),
    (error: unknown): CallOutcome<T> => ({
      kind: 'unknown',
      why: `the upstream call failed: ${error instanceof Error ? error.message : String(error)}`,
    }),
  );
  const outcome = (await Promise.race([answered, timedOut])) ?? (await answered);
  controller.abort(callOver);
  ctx.metrics.upstreamCall(
    operation,
    outcome.kind === 'answer' ? describe(outcome.answer) : 'unknown',
    ctx.clock.now() - started,
  );
  return outcome;
}
