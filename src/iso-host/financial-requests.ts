// The money-moving requests of a terminal, mapped onto the payment engine: sale (0200, F3 00),
// void (0200, F3 20, 60.1 23: F37 the original's RRN, F61 its batch and STAN), refund (0220: the
// same, any amount up to what is left), reversal (0400: the original named by its idempotency key)
// and balance inquiry (0200, F3 31). Each handler reads the named values it needs, refuses bad
// input with 30 naming every problem, and leaves the rest to the engine: idempotency, the
// duplicate guard, the upstream call and its reversal all happen there, once, for every channel.
import { reversedType, sixDigits, type Field60 } from '../iso8583/index.js';
import type { Currency } from '../money/money.js';
import type { EngineResult } from '../payments/idempotency.js';
import type { PaymentResult } from '../payments/authorize-sale.js';
import type { EngineAnswer, PaymentRecord, ReversalReason } from '../payments/payment.js';
import type { FieldProblem } from '../pos-error.js';
import { answerCodes } from './answer-codes.js';
import { readCard } from './card-data.js';
import { field63Text, type HandlerAnswer, type HostContext, type TerminalRequest } from './host-context.js';
import { isoIdempotencyKey, isoReversalKey } from './idempotency-key.js';
import { answerOfRefusal, answerOfView } from './payment-answer.js';
import { RequestFields } from './request-fields.js';

export function formatError(problems: readonly FieldProblem[]): HandlerAnswer {
  return {
    code: answerCodes.formatError,
    log: { problems: problems.map((p) => `${p.field}: expected ${p.expected}, got ${p.actual}`) },
  };
}

/**
 * Runs an engine call again while its key is still held by a request in flight. The engine waits
 * up to its in-flight wait on each call; the first request ends by the upstream timeout (with 98
 * and a reversal at worst), so the bound below always outlasts it on a healthy host. A QR sale's
 * first request may poll its wallet for the pay window: its caller gives that bound instead.
 */
export async function untilAnswered<A extends EngineAnswer>(
  ctx: HostContext,
  run: () => Promise<EngineResult<A>>,
  boundMs?: number,
): Promise<EngineResult<A>> {
  const settings = ctx.engine.context.settings;
  const bound = boundMs ?? settings.upstreamTimeoutMs + settings.recoveryGraceMs;
  const attempts = Math.ceil(bound / Math.max(1, settings.inFlightWaitMs)) + 1;
  let result = await run();
  for (let attempt = 1; attempt < attempts && result.kind === 'in_flight'; attempt += 1) result = await run();
  return result;
}

function paymentAnswer(result: PaymentResult): HandlerAnswer {
  if (result.kind !== 'answered') return answerOfRefusal(result);
  return answerOfView(result.answer.view, result.replayed);
}

/**
 * A void's or refund's answer. One still pending is a QR sale's refund the wallet has not settled
 * within its window: no answer goes out, as for a request still in flight, and its STAN stays in
 * flight until the host settles it, so the terminal's retransmission gets the final answer.
 */
function childAnswer(result: PaymentResult): HandlerAnswer {
  if (result.kind === 'answered' && result.answer.view.status === 'pending') {
    return {
      code: answerCodes.systemFault,
      withhold:
        "the wallet has not settled the refund yet; the host keeps asking it under the refund's number",
      log: { paymentId: result.answer.view.id, status: 'pending' },
    };
  }
  return paymentAnswer(result);
}

export async function handleSale(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  const stan = fields.stan();
  const amount = fields.amount();
  const currency = fields.currency();
  const { operatorId, confirmDuplicate } = fields.operator();
  const reading = readCard(request.message, ctx.fingerprintKey);
  if (reading.kind === 'malformed') fields.problems.push(...reading.problems);
  if (fields.problems.length > 0) return formatError(fields.problems);
  if (reading.kind !== 'card') {
    return { code: answerCodes.invalidCardNumber, log: formatError(reading.problems).log ?? {} };
  }
  const batchNo = sixDigits(field60.batchNumber);
  const result = await untilAnswered(ctx, () =>
    ctx.engine.authorizeSale({
      merchantId: request.merchantId,
      terminalId: request.terminalId,
      idempotencyKey: isoIdempotencyKey({ terminalId: request.terminalId, batchNo, stan }),
      amount,
      currency,
      card: reading.card,
      entryMode: reading.entryMode,
      operatorId,
      confirmDuplicate,
      reference: null,
      channel: 'iso',
      stan,
      batchNo,
    }),
  );
  const answer = paymentAnswer(result);
  return { ...answer, log: { ...answer.log, confirmDuplicate } };
}

/** The sale a void or refund names by RRN (F37), checked against its batch and STAN (F61). */
async function findOriginal(
  ctx: HostContext,
  request: TerminalRequest,
  fields: RequestFields,
): Promise<{ kind: 'found'; sale: PaymentRecord } | { kind: 'refused'; answer: HandlerAnswer }> {
  const rrn = fields.originalRrn();
  const original = fields.original();
  if (fields.problems.length > 0 || original === undefined) {
    return { kind: 'refused', answer: formatError(fields.problems) };
  }
  const notFound = (why: string): { kind: 'refused'; answer: HandlerAnswer } => ({
    kind: 'refused',
    answer: { code: answerCodes.originalNotFound, log: { refused: why, originalRrn: rrn } },
  });
  const sale = await ctx.engine.findByRrn(request.merchantId, rrn);
  if (sale?.kind !== 'sale') return notFound('no sale with that RRN for this merchant');
  if (
    sale.stan !== null &&
    (sale.stan !== sixDigits(original.originalStan) ||
      sale.batchNo !== sixDigits(original.originalBatchNumber))
  ) {
    return notFound(
      `field 61 names batch ${original.originalBatchNumber} STAN ${original.originalStan}, not the sale of that RRN`,
    );
  }
  return { kind: 'found', sale };
}

/** F49 of a void or refund, when the terminal sends it: it must be the sale's (the engine checks). */
function requestCurrency(request: TerminalRequest, fields: RequestFields): Currency | undefined {
  return request.message.fields['49'] === undefined ? undefined : fields.currency();
}

export async function handleVoid(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  const stan = fields.stan();
  const amount = fields.amount();
  const currency = requestCurrency(request, fields);
  const { operatorId } = fields.operator();
  const found = await findOriginal(ctx, request, fields);
  if (found.kind === 'refused') return found.answer;
  const { sale } = found;
  if (amount !== sale.amount) {
    return {
      code: answerCodes.amountDiffers,
      log: { refused: `a void is for the whole sale: ${sale.amount}, not ${amount}`, saleId: sale.id },
    };
  }
  const batchNo = sixDigits(field60.batchNumber);
  const result = await untilAnswered(ctx, () =>
    ctx.engine.voidSale({
      ...(currency === undefined ? {} : { currency }),
      merchantId: request.merchantId,
      saleId: sale.id,
      idempotencyKey: isoIdempotencyKey({ terminalId: request.terminalId, batchNo, stan }),
      operatorId,
      channel: 'iso',
      terminalId: request.terminalId,
      stan,
      batchNo,
    }),
  );
  const answer = childAnswer(result);
  return { ...answer, log: { ...answer.log, saleId: sale.id } };
}

export async function handleRefund(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  const stan = fields.stan();
  const amount = fields.amount();
  const currency = requestCurrency(request, fields);
  const { operatorId } = fields.operator();
  const found = await findOriginal(ctx, request, fields);
  if (found.kind === 'refused') return found.answer;
  const { sale } = found;
  const batchNo = sixDigits(field60.batchNumber);
  const result = await untilAnswered(ctx, () =>
    ctx.engine.refundSale({
      ...(currency === undefined ? {} : { currency }),
      merchantId: request.merchantId,
      saleId: sale.id,
      idempotencyKey: isoIdempotencyKey({ terminalId: request.terminalId, batchNo, stan }),
      operatorId,
      channel: 'iso',
      terminalId: request.terminalId,
      stan,
      batchNo,
      amount,
    }),
  );
  const answer = childAnswer(result);
  return { ...answer, log: { ...answer.log, saleId: sale.id } };
}

/** Field 39 of a 0400 to the engine's reason; a code outside the four CUP names counts as "other". */
const reversalReasons: Readonly<Record<string, ReversalReason>> = {
  '98': 'timeout',
  A0: 'mac_error',
  '96': 'terminal_failure',
  '06': 'other',
};

/**
 * A 0400 reverses the request with the same terminal, batch and STAN, named by that request's
 * idempotency key. When the host has not seen it, the engine leaves a tombstone under the key and
 * the answer is still 00: the terminal may clear its reversal record, and the original, should it
 * arrive later, is refused without reaching the issuer. A 0400 whose kind or amount is not that of
 * the payment under the key names another transaction (a reused STAN) and is refused with 25,
 * reversing nothing (docs/iso8583.md, "Idempotency, retransmissions and reversals").
 */
export async function handleReversal(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  const stan = fields.stan();
  // The 0400 is a copy of its original: the kind and amount it carries must be the payment's.
  const reversed = reversedType(request.message);
  const expect = {
    ...(reversed === 'sale' || reversed === 'void' ? { kind: reversed } : {}),
    ...(request.message.fields['4'] === undefined ? {} : { amount: fields.amount() }),
  };
  if (fields.problems.length > 0) return formatError(fields.problems);
  const reasonCode = request.message.fields['39'] ?? '06';
  const originalKey = isoIdempotencyKey({
    terminalId: request.terminalId,
    batchNo: sixDigits(field60.batchNumber),
    stan,
  });
  const result = await untilAnswered(ctx, () =>
    ctx.engine.reverse({
      merchantId: request.merchantId,
      idempotencyKey: isoReversalKey(originalKey, reasonCode),
      target: { originalKey, expect },
      reason: reversalReasons[reasonCode] ?? 'other',
    }),
  );
  if (result.kind !== 'answered') return answerOfRefusal(result);
  const view = result.answer.view;
  return {
    code: answerCodes.approved,
    fields: { '63': field63Text() },
    log: {
      reversal: view.reversal.state,
      reason: view.reversal.reason,
      paymentId: view.payment?.id ?? null,
      paymentStatus: view.payment?.status ?? null,
      replayed: result.replayed,
    },
  };
}

/** Field 54 (CUP POS spec): account type 10, amount type 02 (available), currency, sign C, 12 digits. */
function balanceField(balanceMinor: number): string {
  return `1002156C${String(balanceMinor).padStart(12, '0')}`;
}

/**
 * Balance inquiry. No payment and nothing upstream: the simulated issuer keeps no balances, so the
 * host answers the fixed demo balance of its settings for any valid card (docs/iso8583.md).
 */
export function handleBalance(ctx: HostContext, request: TerminalRequest): HandlerAnswer {
  const fields = new RequestFields(request.message);
  fields.stan();
  const reading = readCard(request.message, ctx.fingerprintKey);
  if (reading.kind === 'malformed') fields.problems.push(...reading.problems);
  if (fields.problems.length > 0) return formatError(fields.problems);
  if (reading.kind !== 'card')
    return { code: answerCodes.invalidCardNumber, log: formatError(reading.problems).log ?? {} };
  return {
    code: answerCodes.approved,
    fields: { '54': balanceField(ctx.settings.demoBalanceMinor), '63': field63Text() },
    log: { cardMasked: reading.card.masked },
  };
}
