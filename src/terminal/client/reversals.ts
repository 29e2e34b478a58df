// Owed reversals and unanswered refunds: a reversal (0400, no card data) is journaled before its
// sale or void goes out and stays until the host acknowledges it; it goes out before any other
// financial message, a bounded number of times per call and again on every later call. A scan-code
// sale's reversal waits for one question first: the host may know it was paid (scan-query.ts). A
// code shown earlier (a QR order) whose outcome is unknown is settled next, asked about and closed
// (show-code-query.ts): until then nothing else goes out, above all no new code.
import type { IsoMessage, ReversalReason } from '../../iso8583/index.js';
import { isSentUntilAnswered, recordKey, type ReversalRecord, type TransactionRecord } from '../journal.js';
import type { FinancialOutcome, ReversalsOutcome } from '../outcomes.js';
import { reversalMessage } from '../terminal-messages.js';
import { sendUntilAnswered } from './record-answer.js';
import { isScanSale, settleScanByQuery } from './scan-query.js';
import { resolveOpenOrders } from './show-code-query.js';
import { ensureSession } from './session.js';
import type { TerminalCore } from './terminal-core.js';

/** Sends every owed reversal (and every unanswered refund) now: `reversal-status`. */
export async function sendReversals(core: TerminalCore): Promise<ReversalsOutcome> {
  const reason = await ensureSession(core);
  if (reason !== undefined) return { delivered: 0, pending: core.reversalsByKey.size, refundsAnswered: 0 };
  return flush(core);
}

export async function flush(core: TerminalCore): Promise<ReversalsOutcome> {
  let delivered = 0;
  for (const owed of core.pendingReversals()) {
    if (await settledFirst(core, owed)) continue;
    if (await deliverReversal(core, owed)) delivered += 1;
  }
  if (core.openOrders.size > 0) await resolveOpenOrders(core);
  let refundsAnswered = 0;
  // Unanswered refunds are rare: filter before sorting, so a long journal costs a scan, not a sort.
  const unanswered = [...core.unansweredRefunds]
    .map((key) => core.recordsByKey.get(key))
    .filter((r): r is TransactionRecord => r !== undefined)
    .sort((a, b) => a.createdAt - b.createdAt || a.stan.localeCompare(b.stan));
  for (const record of unanswered) {
    const outcome = await sendUntilAnswered(core, record);
    if (outcome.kind !== 'unanswered') refundsAnswered += 1;
  }
  return { delivered, pending: core.reversalsByKey.size, refundsAnswered };
}

/**
 * A scan-code sale left without an answer is asked about before it is reversed (scan-query.ts):
 * the customer may have paid. Only while no 0400 has gone out for it: one sent may yet reach the
 * host after the query, and an approval believed then would be reversed under the receipt.
 */
async function settledFirst(core: TerminalCore, owed: ReversalRecord): Promise<boolean> {
  const record = core.recordsByKey.get(recordKey(owed));
  if (!isScanSale(record) || record.state !== 'sending' || owed.reason !== 'no-answer' || owed.attempts > 0)
    return false;
  return (await settleScanByQuery(core, record)) !== undefined;
}

/** Sends one reversal until the host answers it, at most `reversalAttempts` times. */
export async function deliverReversal(core: TerminalCore, owed: ReversalRecord): Promise<boolean> {
  for (let attempt = 0; attempt < core.reversalAttempts; attempt += 1) {
    if ((await ensureSession(core)) !== undefined) return false;
    const current = core.reversalsByKey.get(recordKey(owed)) ?? owed;
    await core.putReversal({ ...current, attempts: current.attempts + 1 });
    const answer = await core.exchange(current.message, true);
    if (answer.kind !== 'answer') continue;
    // An acknowledgement that cannot be trusted, a MAC refusal (sign in, then again) or a host
    // fault: the reversal stays owed. Any other answer means the host has dealt with it.
    if (answer.code === '00' && answer.macOk !== true) continue;
    if (answer.signInRequired || answer.code === '96') continue;
    const record = core.recordsByKey.get(recordKey(owed));
    if (answer.code === '22' && record?.kind === 'void' && record.state === 'sending') {
      await standingVoid(core, record);
    } else if (record?.state === 'sending') {
      await core.putRecord({
        ...record,
        state: 'reversed',
        message: `reversed (reason ${current.message.fields['39'] ?? '?'}): the card is not charged`,
        updatedAt: core.clock.now(),
      });
    }
    await core.dropReversal(owed);
    return true;
  }
  return false;
}

/**
 * A void whose 0400 the host refused with 22: the void of a QR sale, a refund at the wallet that
 * nothing takes back (POS_ERR_QR_REFUND_IRREVERSIBLE; a journal written before the client knew,
 * or a sale named explicitly that the journal lacks). The void stands at the host, so its record
 * is never marked reversed: it becomes one sent again, same STAN, until answered.
 */
async function standingVoid(core: TerminalCore, record: TransactionRecord): Promise<void> {
  const sale = record.original === null ? undefined : core.recordsByKey.get(recordKey(record.original));
  const qr = record.qr ?? sale?.qr ?? null;
  await core.putRecord({
    ...record,
    qr: { wallet: qr?.wallet ?? null, codeMasked: qr?.codeMasked ?? '', tradeNo: qr?.tradeNo ?? null },
    message:
      "the host refused to reverse this void (22, a QR sale's refund cannot be undone): the void stands, and is sent again, same STAN, until answered",
    updatedAt: core.clock.now(),
  });
}

/** Signs in if needed and delivers owed reversals; a reason not to send when one is still owed. */
export async function readyForMoney(core: TerminalCore): Promise<
  | {
      kind: 'blocked';
      detail: string;
      pendingReversals: number;
      unresolvedShown?: TransactionRecord;
    }
  | undefined
> {
  const session = await ensureSession(core);
  if (session !== undefined)
    return { kind: 'blocked', detail: session, pendingReversals: core.reversalsByKey.size };
  await flush(core);
  if (core.reversalsByKey.size === 0 && core.openOrders.size === 0) return undefined;
  const [openKey] = core.openOrders;
  const shown = openKey === undefined ? undefined : core.recordsByKey.get(openKey);
  if (core.reversalsByKey.size === 0 && shown !== undefined) {
    return {
      kind: 'blocked',
      detail: `the code shown earlier (STAN ${shown.stan}) could not be confirmed closed: it is asked about again first, nothing else was sent`,
      pendingReversals: 0,
      unresolvedShown: shown,
    };
  }
  return {
    kind: 'blocked',
    detail: `${core.reversalsByKey.size} reversal(s) not yet acknowledged by the host: they go first, nothing else was sent`,
    pendingReversals: core.reversalsByKey.size,
  };
}

export async function reverseNow(
  core: TerminalCore,
  record: TransactionRecord,
  request: IsoMessage,
  reason: ReversalReason,
  authCode?: string,
): Promise<FinancialOutcome> {
  const ref = { batchNo: record.batchNo, stan: record.stan };
  const owed: ReversalRecord = {
    ...ref,
    reason,
    message: reversalMessage(request, reason, authCode),
    attempts: 0,
    createdAt: record.createdAt,
  };
  await core.putReversal(owed);
  const delivered = await deliverReversal(core, owed);
  const current = core.recordsByKey.get(recordKey(ref)) ?? record;
  // A void the host would not reverse (standingVoid) stands: ask for its answer once now.
  if (delivered && current.state === 'sending' && isSentUntilAnswered(current))
    return sendUntilAnswered(core, current);
  return delivered
    ? { kind: 'reversed', record: current, reason }
    : { kind: 'reversal-pending', record: current, reason };
}
