// Day end: the batch totals, settlement (0500), and when the host says unbalanced the batch upload
// (0320s, then the closing one) and settlement once more. A balanced batch closes and the next starts.
import {
  interpretResponseCode,
  parseSettlementTotals,
  sixDigits,
  type SettlementTotals,
} from '../../iso8583/index.js';
import { recordKey, type OriginalRef, type TransactionRecord } from '../journal.js';
import type { SettleOutcome } from '../outcomes.js';
import { settlementRequest, uploadEndRequest, uploadRequest } from '../terminal-messages.js';
import { readyForMoney } from './reversals.js';
import { ensureSession } from './session.js';
import { maxStan, type TerminalCore } from './terminal-core.js';

/** The terminal's totals of its current batch: standing sales (not voided) and approved refunds. */
export function batchTotals(core: TerminalCore): SettlementTotals {
  const batch = core.state.batchNo;
  const inBatch = core.records().filter((r) => r.batchNo === batch && r.state === 'approved');
  const voided = new Set(
    inBatch
      .filter((r) => r.kind === 'void' && r.original !== null)
      .map((r) => recordKey(r.original as OriginalRef)),
  );
  const sales = inBatch.filter((r) => r.kind === 'sale' && !voided.has(recordKey(r)));
  const refunds = inBatch.filter((r) => r.kind === 'refund');
  const sum = (list: TransactionRecord[]): number => list.reduce((total, r) => total + r.amount, 0);
  return {
    cny: {
      debitTotalMinor: sum(sales),
      debitCount: sales.length,
      creditTotalMinor: sum(refunds),
      creditCount: refunds.length,
      check: 'not-checked',
    },
    foreign: {
      debitTotalMinor: 0,
      debitCount: 0,
      creditTotalMinor: 0,
      creditCount: 0,
      check: 'not-checked',
    },
  };
}

/** The records a batch upload sends: those the totals count. */
export function uploadable(core: TerminalCore): TransactionRecord[] {
  const batch = core.state.batchNo;
  const inBatch = core.records().filter((r) => r.batchNo === batch && r.state === 'approved');
  const voided = new Set(
    inBatch
      .filter((r) => r.kind === 'void' && r.original !== null)
      .map((r) => recordKey(r.original as OriginalRef)),
  );
  return inBatch.filter((r) => (r.kind === 'sale' && !voided.has(recordKey(r))) || r.kind === 'refund');
}

/** Day end: settle; when unbalanced, upload the batch and settle once more. */
export async function settle(core: TerminalCore): Promise<SettleOutcome> {
  const blocked = await readyForMoney(core);
  if (blocked !== undefined) return blocked;
  let first = await settleOnce(core, 0);
  if (first.kind === 'refused' && core.state.needsSignIn) {
    // The host asked for a new sign-in (keys stale or replaced): sign in and settle once more.
    const session = await ensureSession(core);
    if (session !== undefined)
      return { kind: 'blocked', detail: session, pendingReversals: core.reversalsByKey.size };
    first = await settleOnce(core, 0);
  }
  if (first.kind !== 'unbalanced') return first;
  const uploaded = await uploadBatch(core);
  if (typeof uploaded === 'string') return { kind: 'no-answer', detail: uploaded };
  return settleOnce(core, uploaded);
}

export async function settleOnce(core: TerminalCore, uploaded: number): Promise<SettleOutcome> {
  const batchNo = core.state.batchNo;
  const totals = batchTotals(core);
  const stan = await core.nextStan();
  const answer = await core.exchange(
    settlementRequest({ identity: core.identity, stan, batchNo, totals }),
    true,
  );
  if (answer.kind !== 'answer') return { kind: 'no-answer', detail: answer.detail };
  const meaning = interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message;
  if (answer.code !== '00' || answer.macOk !== true) {
    return {
      kind: 'refused',
      code: answer.code,
      message: answer.code === '00' ? 'the answer MAC does not match' : meaning,
    };
  }
  const checked = parseSettlementTotals(answer.message.fields['48'] ?? '');
  if (checked.cny.check === 'balanced' && checked.foreign.check === 'balanced') {
    // The batch is closed: the next one starts; the records of the closed batch stay for reprints.
    const next = sixDigits(Number(batchNo) >= maxStan ? 1 : Number(batchNo) + 1);
    await core.save({ batchNo: next });
    await core.journal.pruneRecords([batchNo, next]);
    for (const [key, record] of core.recordsByKey)
      if (record.batchNo !== batchNo && record.batchNo !== next) {
        core.recordsByKey.delete(key);
        core.unansweredRefunds.delete(key);
        core.openOrders.delete(key);
      }
    return { kind: 'balanced', batchNo, totals, uploaded };
  }
  return { kind: 'unbalanced', batchNo, totals, uploaded };
}

/** Uploads every counted record (00 or 94: accepted), then the closing 0320; the count, or why not. */
export async function uploadBatch(core: TerminalCore): Promise<number | string> {
  const batchNo = core.state.batchNo;
  const records = uploadable(core);
  for (const record of records) {
    if (record.uploaded) continue;
    const answer = await core.exchange(uploadRequest({ identity: core.identity, batchNo, record }), true);
    if (answer.kind !== 'answer') return `batch upload of STAN ${record.stan}: ${answer.detail}`;
    if (
      interpretResponseCode({ code: answer.code, mti: answer.message.mti }).outcome !== 'already-accepted'
    ) {
      return `batch upload of STAN ${record.stan} refused: ${answer.code}`;
    }
    await core.putRecord({ ...record, uploaded: true, updatedAt: core.clock.now() });
  }
  const stan = await core.nextStan();
  const end = await core.exchange(
    uploadEndRequest({ identity: core.identity, stan, batchNo, count: records.length }),
    true,
  );
  if (end.kind !== 'answer') return `closing batch upload: ${end.detail}`;
  if (interpretResponseCode({ code: end.code, mti: end.message.mti }).outcome !== 'already-accepted') {
    return `closing batch upload refused: ${end.code}`;
  }
  return records.length;
}
