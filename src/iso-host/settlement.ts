// Settlement (0500) and batch upload (0320) of a terminal batch (CUP POS spec, settlement and batch
// upload; docs/iso8583.md, "Settlement").
//
// Totals. A batch's debits are its sales that stand (approved, or refunded in part or in full:
// refunds are credits of their own); voided and reversed sales do not count, and neither do
// voids. Its credits are its approved refunds. Amounts in fen, CNY block; the foreign-card block
// is always zero on this host, which takes CNY only and cannot tell foreign cards apart.
//
// Flow. The terminal sends its totals in field 48. Equal to the host's: balanced (check digit 1),
// the batch is closed and the terminal and host both move to the next batch number. Otherwise
// unbalanced (2): the terminal uploads every record of the batch (0320, one record each, F11 the
// record's STAN, 60.1 its message type), then the closing 0320 (60.3 = 202 or 207, F48 the record
// count), and settles again. Once the upload is finished the batch settles on the uploaded records:
// the second 0500 is balanced when the terminal's totals equal them, and the difference between
// those records and the host's own payments is logged and kept (host totals beside the terminal's
// in the batch's settlement record) for reconciliation.
import { chainOf } from '../payments/ports/journal-store.js';
import {
  buildSettlementTotals,
  sixDigits,
  type Field60,
  type SettlementBlock,
  type SettlementTotals,
} from '../iso8583/index.js';
import type { PaymentStatus } from '../payments/payment.js';
import type {
  BatchRef,
  BatchSettlementRecord,
  BatchTotals,
  BatchUploadKind,
} from '../payments/ports/batch-store.js';
import type { StoreReader } from '../payments/ports/store.js';
import { answerCodes, signInAgain } from './answer-codes.js';
import { formatError } from './financial-requests.js';
import { field63Text, type HandlerAnswer, type HostContext, type TerminalRequest } from './host-context.js';
import { chinaLocalTime } from './local-time.js';
import { RequestFields } from './request-fields.js';

export const countedSaleStatuses: readonly PaymentStatus[] = ['approved', 'partially_refunded', 'refunded'];
export const countedRefundStatuses: readonly PaymentStatus[] = ['approved'];

const maxBatchNumber = 999_999;

/** The batch after `batchNo`: 999999 wraps to 000001 (60.2 is six digits and 0 is not a batch). */
export function nextBatchNo(batchNo: string): string {
  const current = Number(batchNo);
  return sixDigits(current >= maxBatchNumber ? 1 : current + 1);
}

function hostTotalsOf(reader: StoreReader, batch: BatchRef): Promise<BatchTotals> {
  return reader.batchTotals({
    ...batch,
    saleStatuses: countedSaleStatuses,
    refundStatuses: countedRefundStatuses,
  });
}

function sameTotals(block: SettlementBlock, totals: BatchTotals): boolean {
  return (
    block.debitTotalMinor === totals.debitTotal &&
    block.debitCount === totals.debitCount &&
    block.creditTotalMinor === totals.creditTotal &&
    block.creditCount === totals.creditCount
  );
}

const zeroTotals: BatchTotals = { debitTotal: 0, debitCount: 0, creditTotal: 0, creditCount: 0 };

function settlementAnswer(
  request: TerminalRequest,
  totals: SettlementTotals,
  balanced: { cny: boolean; foreign: boolean },
  log: Record<string, unknown>,
): HandlerAnswer {
  const field48 = buildSettlementTotals({
    cny: { ...totals.cny, check: balanced.cny ? 'balanced' : 'unbalanced' },
    foreign: { ...totals.foreign, check: balanced.foreign ? 'balanced' : 'unbalanced' },
  });
  const local = chinaLocalTime(request.now);
  const both = balanced.cny && balanced.foreign;
  return {
    code: answerCodes.approved,
    fields: {
      '15': local.mmdd,
      '48': field48,
      '63': field63Text(both ? ' balanced' : ' unbalanced: upload the batch, then settle again'),
    },
    log: { ...log, balanced: both },
  };
}

function batchMismatch(request: TerminalRequest, batchNo: string): HandlerAnswer {
  return {
    code: answerCodes.batchMismatch,
    processingRequirement: signInAgain,
    log: {
      refused: `batch ${batchNo} is neither the current batch ${request.terminal.batchNo} nor a closed one`,
    },
  };
}

/** The batch a request names: its terminal's, numbered by field 60.2. */
function batchOf(request: TerminalRequest, field60: Field60): BatchRef {
  return {
    merchantId: request.merchantId,
    terminalId: request.terminalId,
    batchNo: sixDigits(field60.batchNumber),
  };
}

export async function handleSettlement(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  fields.stan();
  const sent = fields.settlementTotals();
  if (fields.problems.length > 0 || sent === undefined) return formatError(fields.problems);
  const batch = batchOf(request, field60);
  return ctx.store.transaction(async (tx): Promise<HandlerAnswer> => {
    const terminal = await tx.lockTerminal(batch.merchantId, batch.terminalId);
    const settled = await tx.getBatchSettlement(batch);
    const current = terminal?.batchNo === batch.batchNo;
    if (!current && settled?.state !== 'balanced') return batchMismatch(request, batch.batchNo);
    const hostTotals = await hostTotalsOf(tx, batch);
    const onUploads = settled !== undefined && settled.uploadedCount !== null;
    const basis = onUploads ? await tx.batchUploadTotals(batch) : hostTotals;
    const balanced = { cny: sameTotals(sent.cny, basis), foreign: sameTotals(sent.foreign, zeroTotals) };
    const log = {
      batchNo: batch.batchNo,
      basis: onUploads ? 'uploaded records' : 'host payments',
      terminalTotals: sent.cny,
      hostTotals,
      ...(onUploads ? { uploadedTotals: basis } : {}),
    };
    if (!current) return settlementAnswer(request, sent, balanced, { ...log, closedBefore: true });
    const isBalanced = balanced.cny && balanced.foreign;
    const record: BatchSettlementRecord = {
      ...batch,
      state: isBalanced ? 'balanced' : (settled?.state ?? 'unbalanced'),
      // Stored as the terminal sent it; present, since it parsed.
      terminalTotals: request.message.fields['48'] ?? '',
      hostTotals,
      uploadedCount: settled?.uploadedCount ?? null,
      createdAt: settled?.createdAt ?? request.now,
      updatedAt: request.now,
    };
    await tx.putBatchSettlement(record);
    if (isBalanced) {
      const next = nextBatchNo(batch.batchNo);
      await tx.updateTerminal(batch.merchantId, batch.terminalId, { batchNo: next });
      await tx.appendJournal({
        chain: chainOf(batch.merchantId, batch.terminalId),
        at: request.now,
        paymentId: null,
        event: 'batch.settled',
        fromStatus: null,
        toStatus: null,
        data: JSON.stringify({
          ...batch,
          basis: log.basis,
          hostTotals,
          terminalTotals: sent.cny,
          nextBatchNo: next,
        }),
      });
      if (onUploads && !sameTotals(sent.cny, hostTotals)) {
        ctx.log.warn(
          { ...batch, hostTotals, uploadedTotals: basis },
          'batch settled on the uploaded records, which differ from the host payments: reconcile them',
        );
      }
    }
    return settlementAnswer(request, sent, balanced, log);
  });
}

const uploadKinds: Readonly<Record<string, BatchUploadKind>> = { '22': 'sale', '25': 'refund', '23': 'void' };

/** One uploaded record: 00 when stored, 94 when the host already holds it (terminals read both as accepted). */
export async function handleBatchUpload(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  const stan = fields.stan();
  const amount = fields.amount();
  const currency = fields.currency();
  if (fields.problems.length > 0) return formatError(fields.problems);
  const batch = batchOf(request, field60);
  const rrn = request.message.fields['37']?.trim() ?? null;
  const authCode = request.message.fields['38']?.trim() ?? null;
  return ctx.store.transaction(async (tx): Promise<HandlerAnswer> => {
    if (request.terminal.batchNo !== batch.batchNo && (await tx.getBatchSettlement(batch)) === undefined) {
      return batchMismatch(request, batch.batchNo);
    }
    const stored = await tx.insertBatchUpload({
      ...batch,
      stan,
      kind: uploadKinds[field60.messageTypeCode] ?? 'other',
      messageTypeCode: field60.messageTypeCode,
      amount,
      currency,
      rrn: rrn === '' ? null : rrn,
      authCode: authCode === '' ? null : authCode,
      receivedAt: request.now,
    });
    return {
      code: stored ? answerCodes.approved : answerCodes.duplicateTransmission,
      log: { batchNo: batch.batchNo, uploadedStan: stan, alreadyHeld: !stored },
    };
  });
}

/** The closing 0320 (60.3 = 202 or 207): the upload is finished; the next 0500 settles on it. */
export async function handleBatchUploadEnd(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  fields.stan();
  const announced = fields.uploadCount();
  if (fields.problems.length > 0 || announced === undefined) return formatError(fields.problems);
  const batch = batchOf(request, field60);
  return ctx.store.transaction(async (tx): Promise<HandlerAnswer> => {
    const settled = await tx.getBatchSettlement(batch);
    if (request.terminal.batchNo !== batch.batchNo && settled === undefined)
      return batchMismatch(request, batch.batchNo);
    const held = (await tx.batchUploadTotals(batch)).records;
    const log = { batchNo: batch.batchNo, announced, held };
    if (held !== announced) {
      ctx.log.warn(
        { ...batch, announced, held },
        'batch upload finished with a record count that differs from the records held',
      );
    }
    if (settled !== undefined && settled.state !== 'unbalanced' && settled.uploadedCount === announced) {
      return { code: answerCodes.duplicateTransmission, log: { ...log, alreadyHeld: true } };
    }
    await tx.putBatchSettlement({
      ...batch,
      state: settled?.state === 'balanced' ? 'balanced' : 'uploaded',
      terminalTotals: settled?.terminalTotals ?? null,
      hostTotals: await hostTotalsOf(tx, batch),
      uploadedCount: announced,
      createdAt: settled?.createdAt ?? request.now,
      updatedAt: request.now,
    });
    return { code: answerCodes.approved, log };
  });
}
