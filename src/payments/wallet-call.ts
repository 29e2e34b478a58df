// Calling a wallet with a deadline of the call's own. A wallet may never answer (a lost answer) or
// answer late; the host waits at most `deadlineMs` and then treats the outcome as unknown, as it
// does a thrown error, which the outcome rules (query, then cancel) always settle.
import type { CallOutcome } from './upstream-call.js';
import type { EngineContext } from './engine-context.js';

/**
 * An adapter's error is kept (journal, reversal queue) and logged: any run of digits as long as a
 * payment code or card number in it is cut out, in case the adapter quoted what it sent.
 */
export function withoutLongDigits(text: string): string {
  return text.replace(/\d{12,}/g, (digits) => `[${digits.length} digits]`);
}

/** The abort reason once a call is over; shared, so an abort builds no DOMException. */
const callOver = new Error('the wallet call is over');

export async function callWallet<T>(
  ctx: EngineContext,
  deadlineMs: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<CallOutcome<T>> {
  const controller = new AbortController();
  const waitMs = Math.max(1, deadlineMs);
  const timedOut = ctx.clock
    .sleep(waitMs, controller.signal)
    .then((elapsed): CallOutcome<T> | undefined =>
      elapsed ? { kind: 'unknown', why: `no answer from the wallet within ${waitMs} ms` } : undefined,
    );
  const answered = call(controller.signal).then(
    (answer): CallOutcome<T> => ({ kind: 'answer', answer }),
    (error: unknown): CallOutcome<T> => ({
      kind: 'unknown',
      why: `the wallet call failed: ${withoutLongDigits(error instanceof Error ? error.message : String(error))}`,
    }),
  );
  const outcome = (await Promise.race([answered, timedOut])) ?? (await answered);
  controller.abort(callOver);
  return outcome;
}
