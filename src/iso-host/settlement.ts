// Settlement (0500) and batch upload (0320) of a terminal batch, translated to and from the
// engine (payments/batch-settlement.ts, which says what is counted and kept) (CUP POS spec,
// settlement and batch upload; docs/iso8583.md, "Settlement").
//
// The terminal sends its totals in field 48. Equal to the host's: balanced (check digit 1), and
// the terminal moves to the next batch number. Otherwise unbalanced (2): the terminal uploads
// every record of the batch (0320, one record each, F11 the record's STAN, 60.1 its message type),
// then the closing 0320 (60.3 = 202 or 207, F48 the record count), and settles again. Amounts in
// fen, CNY block; the foreign-card block is always zero on this host, which takes CNY only and
// cannot tell foreign cards apart.
import {
  buildSettlementTotals,
  sixDigits,
  type Field60,
  type SettlementBlock,
  type SettlementTotals,
} from '../iso8583/index.js';
import type { BatchMismatch } from '../payments/batch-settlement.js';
import type { BatchRef, BatchTotals, BatchUploadKind } from '../payments/ports/batch-store.js';
import { answerCodes, signInAgain } from './answer-codes.js';
import { formatError } from './financial-requests.js';
import { field63Text, type HandlerAnswer, type HostContext, type TerminalRequest } from './host-context.js';
import { chinaLocalTime } from './local-time.js';
import { RequestFields } from './request-fields.js';

function totalsOf(block: SettlementBlock): BatchTotals {
  return {
    debitTotal: block.debitTotalMinor,
    debitCount: block.debitCount,
    creditTotal: block.creditTotalMinor,
    creditCount: block.creditCount,
  };
}

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

function batchMismatch(request: TerminalRequest, mismatch: BatchMismatch): HandlerAnswer {
  return {
    code: answerCodes.batchMismatch,
    processingRequirement: signInAgain,
    log: {
      refused: `batch ${mismatch.batchNo} is neither the current batch ${request.terminal.batchNo} nor a closed one`,
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
  const result = await ctx.engine.settleBatch({
    batch,
    terminalTotals: { local: totalsOf(sent.cny), foreign: totalsOf(sent.foreign) },
    // Stored as the terminal sent it; present, since it parsed.
    terminalTotalsText: request.message.fields['48'] ?? '',
    now: request.now,
  });
  if (result.kind === 'batch_mismatch') return batchMismatch(request, result);
  const log = {
    batchNo: batch.batchNo,
    basis: result.basis,
    terminalTotals: sent.cny,
    hostTotals: result.hostTotals,
    ...(result.uploadedTotals === null ? {} : { uploadedTotals: result.uploadedTotals }),
    ...(result.closedBefore ? { closedBefore: true } : {}),
  };
  if (result.toReconcile) {
    ctx.log.warn(
      { ...batch, hostTotals: result.hostTotals, uploadedTotals: result.uploadedTotals },
      'batch settled on the uploaded records, which differ from the host payments: reconcile them',
    );
  }
  const balanced = { cny: result.balanced.local, foreign: result.balanced.foreign };
  return settlementAnswer(request, sent, balanced, log);
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
  const result = await ctx.engine.recordBatchUpload({
    currentBatchNo: request.terminal.batchNo,
    record: {
      ...batch,
      stan,
      kind: uploadKinds[field60.messageTypeCode] ?? 'other',
      messageTypeCode: field60.messageTypeCode,
      amount,
      currency,
      rrn: rrn === '' ? null : rrn,
      authCode: authCode === '' ? null : authCode,
      receivedAt: request.now,
    },
  });
  if (result.kind === 'batch_mismatch') return batchMismatch(request, result);
  const stored = result.kind === 'stored';
  return {
    code: stored ? answerCodes.approved : answerCodes.duplicateTransmission,
    log: { batchNo: batch.batchNo, uploadedStan: stan, alreadyHeld: !stored },
  };
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
  const result = await ctx.engine.finishBatchUpload({
    batch,
    currentBatchNo: request.terminal.batchNo,
    announced,
    now: request.now,
  });
  if (result.kind === 'batch_mismatch') return batchMismatch(request, result);
  const log = { batchNo: batch.batchNo, announced, held: result.held };
  if (result.held !== announced) {
    ctx.log.warn(
      { ...batch, announced, held: result.held },
      'batch upload finished with a record count that differs from the records held',
    );
  }
  if (result.kind === 'already_held') {
    return { code: answerCodes.duplicateTransmission, log: { ...log, alreadyHeld: true } };
  }
  return { code: answerCodes.approved, log };
}
