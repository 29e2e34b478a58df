// Settling a scan-code (QR) sale that got no answer by asking the host first (issue 20, "query,
// then reverse"). A card sale without an answer is reversed at once, as CUP terminals do; a QR
// sale's customer may have confirmed on the phone while the answer was lost, and reversing it
// would refund them and have the cashier ask for a fresh code. So the terminal asks the host
// (the transaction query, docs/iso8583.md) about that batch and STAN:
//   approved            -> the record is approved and printed; the owed reversal is dropped;
//   declined            -> the record is declined (nothing charged); the reversal is dropped;
//   still pending       -> asked again after a wait, a bounded number of times;
//   anything else (no such transaction, reversed or being reversed, no trusted answer, the host
//   unreachable)       -> not settled: the caller sends the 0400, which cancels at the wallet.
// Nothing here ever sends the sale again or asks the customer for a new code.
import { recordKey, type TransactionRecord } from '../journal.js';
import type { FinancialOutcome } from '../outcomes.js';
import { echoRequest } from '../terminal-messages.js';
import { parseQueryAnswer, stateOfHostStatus, type HostTransaction } from '../host-transaction.js';
import { print } from './record-answer.js';
import { ensureSession } from './session.js';
import type { TerminalCore } from './terminal-core.js';

/** How a record settled by a query begins its message. */
const settledNote = 'answer lost; asked, the host says';

/** Whether a record's outcome came from the host's answer to a query, not to the sale itself. */
export function settledByQuery(record: TransactionRecord): boolean {
  return record.message?.startsWith(settledNote) ?? false;
}

/** Whether a journal record is a scan-code sale (its reversal is preceded by a query). */
export function isScanSale(record: TransactionRecord | undefined): record is TransactionRecord {
  return record !== undefined && record.kind === 'sale' && record.qr !== undefined && record.qr !== null;
}

type Asked =
  | { readonly kind: 'known'; readonly host: HostTransaction }
  | { readonly kind: 'pending' }
  | { readonly kind: 'unknown' };

/** One transaction query about `record`, with a MAC-checked answer that must be about it. */
async function ask(core: TerminalCore, record: TransactionRecord): Promise<Asked> {
  if ((await ensureSession(core)) !== undefined) return { kind: 'unknown' };
  const stan = await core.nextStan();
  const answer = await core.exchange(
    echoRequest({
      identity: core.identity,
      stan,
      batchNo: core.state.batchNo,
      query: `${record.batchNo}${record.stan}`,
    }),
    true,
  );
  if (answer.kind !== 'answer' || answer.code !== '00' || answer.macOk !== true) return { kind: 'unknown' };
  let host: HostTransaction;
  try {
    host = parseQueryAnswer(answer.message.fields['63'] ?? '');
  } catch {
    return { kind: 'unknown' };
  }
  // The host's transaction under that batch and STAN must be this sale, paid with a code.
  if (host.kind !== 'sale' || host.amount !== record.amount || host.codeMasked === null) {
    return { kind: 'unknown' };
  }
  return stateOfHostStatus(host.status) === 'sending' ? { kind: 'pending' } : { kind: 'known', host };
}

/**
 * Settles an unanswered scan-code sale from the host's own record, or says it could not (undefined:
 * reverse it). Its reversal record stays until the outcome is journaled, so a crash in between
 * leaves the reversal owed, and the next call asks again.
 */
export async function settleScanByQuery(
  core: TerminalCore,
  record: TransactionRecord,
): Promise<FinancialOutcome | undefined> {
  for (let attempt = 0; attempt < core.scanQueries; attempt += 1) {
    if (attempt > 0) await core.clock.sleep(core.scanQueryIntervalMs);
    const asked = await ask(core, record);
    if (asked.kind === 'unknown') return undefined;
    if (asked.kind === 'pending') continue;
    const { host } = asked;
    const approved = host.status === 'approved';
    if (!approved && stateOfHostStatus(host.status) !== 'declined') return undefined;
    const settled = await core.putRecord({
      ...record,
      state: approved ? 'approved' : 'declined',
      responseCode: host.responseCode,
      message: `${settledNote} ${host.status}`,
      rrn: host.rrn ?? record.rrn,
      authCode: approved ? host.authCode : null,
      updatedAt: core.clock.now(),
      qr: {
        wallet: host.wallet ?? record.qr?.wallet ?? null,
        codeMasked: record.qr?.codeMasked ?? host.codeMasked ?? '',
        // Field 63 has no room for it: the wallet's bill and the host's record have it.
        tradeNo: null,
      },
    });
    await core.dropReversal({ batchNo: record.batchNo, stan: record.stan });
    if (!approved) return { kind: 'declined', record: settled, signInRequired: false };
    return print(core, settled, false);
  }
  return undefined;
}

/** The scan-code sale whose reversal is still owed, if one is: the cashier must not take a new code. */
export function unresolvedScan(core: TerminalCore): TransactionRecord | undefined {
  for (const owed of core.pendingReversals()) {
    const record = core.recordsByKey.get(recordKey(owed));
    if (isScanSale(record)) return record;
  }
  return undefined;
}
