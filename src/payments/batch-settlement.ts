// Settling a terminal batch and taking its upload: the engine's side of ISO 8583 settlement (0500)
// and batch upload (0320) (CUP POS spec, settlement and batch upload; docs/iso8583.md,
// "Settlement"). The door parses the messages and writes the answers; what is counted, compared,
// kept and journaled is decided here, in one store transaction per request.
//
// Totals. A batch's debits are its sales that stand (approved, or refunded in part or in full:
// refunds are credits of their own); voided and reversed sales do not count, and neither do
// voids. Its credits are its approved refunds. Amounts in minor units.
//
// Flow. Equal totals: balanced, the batch is closed and the terminal moves to the next batch
// number. Otherwise unbalanced: the terminal uploads every record of the batch, then announces the
// end of the upload, and settles again. Once the upload is finished the batch settles on the
// uploaded records; the difference between those and the host's own payments is logged and kept
// (host totals beside the terminal's in the batch's settlement record) for reconciliation.
import type { EngineContext } from './engine-context.js';
import type { PaymentStatus } from './payment.js';
import type { BatchRef, BatchSettlementRecord, BatchTotals, BatchUploadRecord } from './ports/batch-store.js';
import { chainOf } from './ports/journal-store.js';
import type { StoreReader } from './ports/store.js';

export const countedSaleStatuses: readonly PaymentStatus[] = ['approved', 'partially_refunded', 'refunded'];
export const countedRefundStatuses: readonly PaymentStatus[] = ['approved'];

const maxBatchNumber = 999_999;

/** The batch after `batchNo`: 999999 wraps to 000001 (six digits, and 0 is not a batch). */
export function nextBatchNo(batchNo: string): string {
  const current = Number(batchNo);
  return String(current >= maxBatchNumber ? 1 : current + 1).padStart(6, '0');
}

function hostTotalsOf(reader: StoreReader, batch: BatchRef): Promise<BatchTotals> {
  return reader.batchTotals({
    ...batch,
    saleStatuses: countedSaleStatuses,
    refundStatuses: countedRefundStatuses,
  });
}

function sameTotals(a: BatchTotals, b: BatchTotals): boolean {
  return (
    a.debitTotal === b.debitTotal &&
    a.debitCount === b.debitCount &&
    a.creditTotal === b.creditTotal &&
    a.creditCount === b.creditCount
  );
}

const zeroTotals: BatchTotals = { debitTotal: 0, debitCount: 0, creditTotal: 0, creditCount: 0 };

/** A batch number that is neither the terminal's current batch nor one it has settled or uploaded. */
export interface BatchMismatch {
  readonly kind: 'batch_mismatch';
  readonly batchNo: string;
}

export interface SettleCommand {
  readonly batch: BatchRef;
  /** The terminal's totals in the local currency and in the foreign-card block. */
  readonly terminalTotals: { readonly local: BatchTotals; readonly foreign: BatchTotals };
  /** The terminal's totals as it sent them, kept in the settlement record. */
  readonly terminalTotalsText: string;
  readonly now: number;
}

export type SettleResult =
  | BatchMismatch
  | {
      readonly kind: 'settled';
      /** Whether each block agreed (the foreign-card block is always zero on this host). */
      readonly balanced: { readonly local: boolean; readonly foreign: boolean };
      readonly basis: 'uploaded records' | 'host payments';
      readonly hostTotals: BatchTotals;
      /** The uploaded records' totals, when the batch settled on them. */
      readonly uploadedTotals: BatchTotals | null;
      /** The batch was closed by an earlier settlement: nothing changed. */
      readonly closedBefore: boolean;
      /** Closed now on uploaded records that differ from the host's payments: to reconcile. */
      readonly toReconcile: boolean;
    };

export async function settleBatch(ctx: EngineContext, command: SettleCommand): Promise<SettleResult> {
  const { batch, terminalTotals, now } = command;
  return ctx.store.transaction(async (tx): Promise<SettleResult> => {
    const terminal = await tx.lockTerminal(batch.merchantId, batch.terminalId);
    const settled = await tx.getBatchSettlement(batch);
    const current = terminal?.batchNo === batch.batchNo;
    if (!current && settled?.state !== 'balanced') return { kind: 'batch_mismatch', batchNo: batch.batchNo };
    const hostTotals = await hostTotalsOf(tx, batch);
    const onUploads = settled !== undefined && settled.uploadedCount !== null;
    const basis = onUploads ? await tx.batchUploadTotals(batch) : hostTotals;
    const result = {
      kind: 'settled' as const,
      balanced: {
        local: sameTotals(terminalTotals.local, basis),
        foreign: sameTotals(terminalTotals.foreign, zeroTotals),
      },
      basis: onUploads ? ('uploaded records' as const) : ('host payments' as const),
      hostTotals,
      uploadedTotals: onUploads ? basis : null,
      closedBefore: !current,
      toReconcile: false,
    };
    if (!current) return result;
    const isBalanced = result.balanced.local && result.balanced.foreign;
    const record: BatchSettlementRecord = {
      ...batch,
      state: isBalanced ? 'balanced' : (settled?.state ?? 'unbalanced'),
      terminalTotals: command.terminalTotalsText,
      hostTotals,
      uploadedCount: settled?.uploadedCount ?? null,
      createdAt: settled?.createdAt ?? now,
      updatedAt: now,
    };
    await tx.putBatchSettlement(record);
    if (isBalanced) {
      const next = nextBatchNo(batch.batchNo);
      await tx.updateTerminal(batch.merchantId, batch.terminalId, { batchNo: next });
      await tx.appendJournal({
        chain: chainOf(batch.merchantId, batch.terminalId),
        at: now,
        paymentId: null,
        event: 'batch.settled',
        fromStatus: null,
        toStatus: null,
        data: JSON.stringify({
          ...batch,
          basis: result.basis,
          hostTotals,
          terminalTotals: terminalTotals.local,
          nextBatchNo: next,
        }),
      });
      // The door says so in its log: the host's payments and the terminal's records disagree.
      if (onUploads && !sameTotals(terminalTotals.local, hostTotals)) return { ...result, toReconcile: true };
    }
    return result;
  });
}

/** One uploaded record: stored, or already held (a retransmission). */
export async function recordBatchUpload(
  ctx: EngineContext,
  command: { readonly record: BatchUploadRecord; readonly currentBatchNo: string },
): Promise<BatchMismatch | { readonly kind: 'stored' | 'already_held' }> {
  const { record } = command;
  return ctx.store.transaction(async (tx) => {
    if (command.currentBatchNo !== record.batchNo && (await tx.getBatchSettlement(record)) === undefined) {
      return { kind: 'batch_mismatch', batchNo: record.batchNo } as const;
    }
    const stored = await tx.insertBatchUpload(record);
    return { kind: stored ? 'stored' : 'already_held' } as const;
  });
}

/**
 * The end of an upload, announcing how many records it held; the next settlement settles on them.
 * The answer says how many the host holds, which the door compares with the announced count.
 */
export async function finishBatchUpload(
  ctx: EngineContext,
  command: {
    readonly batch: BatchRef;
    readonly currentBatchNo: string;
    readonly announced: number;
    readonly now: number;
  },
): Promise<BatchMismatch | { readonly kind: 'finished' | 'already_held'; readonly held: number }> {
  const { batch, announced, now } = command;
  return ctx.store.transaction(async (tx) => {
    const settled = await tx.getBatchSettlement(batch);
    if (command.currentBatchNo !== batch.batchNo && settled === undefined) {
      return { kind: 'batch_mismatch', batchNo: batch.batchNo } as const;
    }
    const held = (await tx.batchUploadTotals(batch)).records;
    if (settled !== undefined && settled.state !== 'unbalanced' && settled.uploadedCount === announced) {
      return { kind: 'already_held', held } as const;
    }
    await tx.putBatchSettlement({
      ...batch,
      state: settled?.state === 'balanced' ? 'balanced' : 'uploaded',
      terminalTotals: settled?.terminalTotals ?? null,
      hostTotals: await hostTotalsOf(tx, batch),
      uploadedCount: announced,
      createdAt: settled?.createdAt ?? now,
      updatedAt: now,
    });
    return { kind: 'finished', held } as const;
  });
}
