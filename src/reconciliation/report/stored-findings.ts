// Keeps what reconciliation found after the fact next to what the duplicate guard prevented at
// authorisation, so `GET /v1/duplicates` shows both. Only the kinds that mean a duplicate on the
// screen or on the card are kept: a settlement line posted twice, a suspected double sale, a
// screen that repeats a row, and a sale settled although the host reversed it (the card charged
// for a sale the operator then ran again). Each finding has an id derived from its content and its
// place among identical findings, so running the same day again stores nothing twice.
import { createHash } from 'node:crypto';
import type { Store } from '../../payments/ports/store.js';
import type { ExceptionKind } from '../match/exception-kinds.js';
import type { ReconException } from '../match/exception-list.js';

export const storedKinds: readonly ExceptionKind[] = [
  'duplicate_settlement',
  'duplicate_sale_suspect',
  'terminal_display_duplicate',
  'reversed_but_settled',
];

/** Findings written per transaction. */
const batchSize = 500;

export async function storeFindings(
  store: Store,
  exceptions: Iterable<ReconException>,
  options: { now: number },
): Promise<{ stored: number; alreadyStored: number }> {
  const seen = new Map<string, number>();
  const pending: Array<{ id: string; e: ReconException }> = [];
  let stored = 0;
  let alreadyStored = 0;
  const flush = async (): Promise<void> => {
    const batch = pending.splice(0, pending.length);
    const results = await store.transaction(async (tx) => {
      const inserted: boolean[] = [];
      for (const { id, e } of batch) {
        const payment = e.rrn === '' ? undefined : await tx.getPaymentByRrn(e.rrn);
        const related = e.relatedRrn === '' ? undefined : await tx.getPaymentByRrn(e.relatedRrn);
        inserted.push(
          await tx.insertDuplicate({
            id,
            merchantId: e.merchantId,
            terminalId: e.terminalId,
            paymentId: payment?.id ?? null,
            duplicateOf: related?.id ?? null,
            source: 'reconciliation',
            resolution: 'found_after_the_fact',
            amount: e.settledAmountMinor ?? e.hostAmountMinor ?? 0,
            operatorId: null,
            confirmedPaymentId: null,
            kind: e.kind,
            cause: e.cause,
            rrn: e.rrn === '' ? null : e.rrn,
            relatedRrn: e.relatedRrn === '' ? null : e.relatedRrn,
            detail: e.detail,
            detectedAt: options.now,
            resolvedAt: null,
          }),
        );
      }
      return inserted;
    });
    for (const inserted of results) {
      if (inserted) stored += 1;
      else alreadyStored += 1;
    }
  };
  for (const exception of exceptions) {
    if (!storedKinds.includes(exception.kind)) continue;
    const e = exception;
    const content = JSON.stringify([
      e.kind,
      e.merchantId,
      e.terminalId,
      e.batchNo,
      e.stan,
      e.rrn,
      e.relatedRrn,
      e.hostAmountMinor,
      e.settledAmountMinor,
    ]);
    const occurrence = (seen.get(content) ?? 0) + 1;
    seen.set(content, occurrence);
    pending.push({
      id: `rec_${createHash('sha256').update(`${content}#${occurrence}`).digest('hex').slice(0, 24)}`,
      e,
    });
    if (pending.length >= batchSize) await flush();
  }
  if (pending.length > 0) await flush();
  return { stored, alreadyStored };
}
