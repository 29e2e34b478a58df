// A request repeated under a key its merchant already used, noted in the journal (issue 14): a
// terminal that retransmits a sale because it never saw the answer leaves no other trace in the
// store (the replay is answered from the stored answer and writes nothing), and the fleet
// diagnosis counts these notes as the terminal's retransmissions. The note is written in the
// transaction that found the key taken, under the terminal's lock, on the terminal's chain; a
// repeat is rare, so this costs one journal row per retransmission and nothing on a first request.
import { chainOf } from './ports/journal-store.js';
import type { RequestOperation, RequestRecord } from './ports/idempotency-store.js';
import type { UnitOfWork } from './unit-of-work.js';

/** The journal event of a repeated request; diagnostics/ports/diagnosis-source.ts reads it. */
export const repeatedRequestEvent = 'request.repeated';

export async function noteRepeatedRequest(
  work: UnitOfWork,
  input: {
    readonly merchantId: string;
    readonly terminalId: string;
    readonly operation: RequestOperation;
    readonly requestHash: string;
    readonly existing: RequestRecord;
  },
): Promise<void> {
  const { existing } = input;
  // A key taken by a tombstone, or by another operation, is not a retransmission of this request.
  if (existing.operation !== input.operation) return;
  await work.tx.appendJournal({
    chain: chainOf(input.merchantId, input.terminalId),
    at: work.now,
    paymentId: existing.paymentId,
    event: repeatedRequestEvent,
    fromStatus: null,
    toStatus: null,
    data: JSON.stringify({
      operation: input.operation,
      // The same content: a retransmission. Other content under a used key is refused (key reused).
      sameRequest: existing.requestHash === input.requestHash,
      answered: existing.state === 'completed',
    }),
  });
}
