// Codes the terminal shows (QR orders, merchant-presented; issue 20 point 4) over ISO 8583
// (docs/iso8583.md, "Codes the terminal shows"). Three requests, each MACed:
//  - the order: a 0200 sale (F3 000000, 60.1 22) whose field 59 is ST 02 and, optionally, WL, with
//    F4 the amount and no card field. `engine.createQrOrder` makes it under the key of the
//    terminal, batch and STAN (so a retransmission gets the same order, and the wallet sees one
//    order number), closing the terminal's open order first, as over HTTP. Answered 0210: 00 with
//    F37 the RRN the sale will have, and field 59 the order (wallet, order number, state, the code
//    to show, its expiry); a refusal with its catalogue code;
//  - its state: the transaction query (transaction-query.ts) adds field 59 for an order, after
//    `engine.readQrOrder` asked the wallet about an open one;
//  - its close: an 0820 echo with field 63 `QRC` + batch + STAN of the order, answered 00 with
//    field 59 as `engine.cancelQrOrder` left it (closed, or paid just before), 25 for no such order.
// This door only translates: the engine decides, and no store is read here.
import { assert } from '../assert.js';
import {
  buildShownCodeAnswer,
  parseShownCodeRequest,
  qrOrderCloseMarker,
  sixDigits,
  type Field60,
  type ShownOrderState,
} from '../iso8583/index.js';
import type { PaymentRecord, PaymentView, QrDetails } from '../payments/payment.js';
import { wallets, type Wallet } from '../payments/ports/wallet.js';
import { isPosError, type FieldProblem } from '../pos-error.js';
import { answerCodes } from './answer-codes.js';
import { formatError, untilAnswered } from './financial-requests.js';
import { field63Text, type HandlerAnswer, type HostContext, type TerminalRequest } from './host-context.js';
import { isoIdempotencyKey } from './idempotency-key.js';
import { answerOfRefusal, answerOfView } from './payment-answer.js';
import { RequestFields } from './request-fields.js';
import { refusal } from './scan-sale.js';

type Order = PaymentRecord & { readonly qr: QrDetails };

function isOrder(payment: PaymentRecord | undefined): payment is Order {
  return payment?.qr?.flow === 'shown';
}

/** What became of an order, as the terminal acts on it (iso8583/field-59-shown.ts). */
export function orderStateOf(order: PaymentRecord): ShownOrderState {
  switch (order.status) {
    case 'pending':
      return 'pending';
    case 'approved':
    case 'voided':
    case 'refunded':
    case 'partially_refunded':
      return 'paid';
    case 'duplicate_suspected':
      return 'held';
    case 'declined':
      return 'declined';
    case 'reversal_pending':
    case 'reversed':
    case 'reversal_failed':
      // Closed unpaid: by its expiry (or a code never made), or by the cashier or a new order.
      return order.reversalReason === 'timeout' ? 'expired' : 'closed';
  }
}

/**
 * Field 59 of an answer about an order: the code only while it may be paid, the trade once paid;
 * undefined for a payment that is not an order.
 */
export function orderField59(order: PaymentRecord): string | undefined {
  if (!isOrder(order)) return undefined;
  const state = orderStateOf(order);
  return buildShownCodeAnswer({
    wallet: order.qr.wallet,
    orderNo: order.qr.orderNo,
    state,
    qrContent: state === 'pending' ? order.qr.qrContent : null,
    expiresAt: order.qr.expiresAt,
    tradeNo: state === 'paid' ? order.qr.tradeNo : null,
  });
}

/** The wallet the terminal asked for, or the first this host has a provider for. */
function walletOf(ctx: HostContext, asked: string | null, problems: FieldProblem[]): Wallet | undefined {
  if (asked === null) {
    const providers = ctx.engine.context.wallets;
    return wallets.find((wallet) => providers[wallet] !== undefined) ?? wallets[0];
  }
  const wallet = wallets.find((known) => known === asked);
  if (wallet === undefined) {
    problems.push({
      field: 'field 59 WL',
      expected: wallets.join(', '),
      actual: `another name (${asked.length} characters)`,
    });
  }
  return wallet;
}

/** Field 39 of the order's answer, from the stored answer as for any retransmission. */
function codeOfCreate(view: PaymentView): string {
  switch (view.status) {
    case 'pending':
    case 'approved':
      return answerCodes.approved;
    case 'declined':
      return view.responseCode ?? '05';
    case 'duplicate_suspected':
      return answerCodes.duplicateTransmission;
    case 'reversal_pending':
    case 'reversed':
    case 'reversal_failed':
      // The wallet gave no clear answer to the precreate: no code, and the order is being closed.
      return answerCodes.issuerTimeout;
    default:
      return view.responseCode ?? answerCodes.systemFault;
  }
}

/** The 0210 of an order: the stored answer's code and RRN, field 59 from the order as it stands. */
async function createAnswer(
  ctx: HostContext,
  merchantId: string,
  view: PaymentView,
  replayed: boolean,
): Promise<HandlerAnswer> {
  const answer = answerOfView(view, replayed);
  const order = await ctx.engine.getPayment(merchantId, view.id);
  const field59 = orderField59(order);
  if (!isOrder(order) || field59 === undefined) return answer; // another kind's key: answered as one
  return {
    ...answer,
    code: codeOfCreate(view),
    fields: { ...answer.fields, '59': field59, '63': field63Text(` ${view.message}`) },
    log: { ...answer.log, wallet: order.qr.wallet, orderNo: order.qr.orderNo, state: orderStateOf(order) },
  };
}

export async function handleShownCode(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  const stan = fields.stan();
  const amount = fields.amount();
  const currency = fields.currency();
  const { operatorId, confirmDuplicate } = fields.operator();
  let wallet: Wallet | undefined;
  try {
    const asked = parseShownCodeRequest(request.message.fields['59'] ?? '');
    wallet = walletOf(ctx, asked.wallet, fields.problems);
  } catch (error) {
    if (!isPosError(error)) throw error;
    fields.problems.push(...error.problems);
  }
  if (fields.problems.length > 0 || wallet === undefined) return formatError(fields.problems);
  const batchNo = sixDigits(field60.batchNumber);
  const settings = ctx.engine.context.settings;
  try {
    const result = await untilAnswered(
      ctx,
      () =>
        ctx.engine.createQrOrder({
          merchantId: request.merchantId,
          terminalId: request.terminalId,
          idempotencyKey: isoIdempotencyKey({ terminalId: request.terminalId, batchNo, stan }),
          amount,
          currency,
          wallet,
          operatorId,
          reference: null,
          confirmDuplicate,
          channel: 'iso',
          stan,
          batchNo,
        }),
      // The first request may close the terminal's open order (a close and a query) and then
      // precreate, each call cut at the upstream timeout.
      3 * settings.upstreamTimeoutMs + settings.recoveryGraceMs,
    );
    if (result.kind !== 'answered') return answerOfRefusal(result);
    return await createAnswer(ctx, request.merchantId, result.answer.view, result.replayed);
  } catch (error) {
    return refusal(error);
  }
}

/** Whether an echo asks to close an order (field 63 `QRC` ...). */
export function isOrderClose(request: { message: { fields: Readonly<Record<string, string>> } }): boolean {
  return request.message.fields['63']?.startsWith(qrOrderCloseMarker) ?? false;
}

/** The close of an order the terminal names by the batch and STAN of its 0200. */
export async function handleOrderClose(ctx: HostContext, request: TerminalRequest): Promise<HandlerAnswer> {
  const selector = (request.message.fields['63'] ?? '').slice(qrOrderCloseMarker.length).trim();
  if (!/^\d{12}$/.test(selector)) {
    return formatError([
      {
        field: 'field 63',
        expected: `${qrOrderCloseMarker} + the order's batch and STAN (12 digits)`,
        actual: `${selector.length} characters after ${qrOrderCloseMarker}`,
      },
    ]);
  }
  const key = isoIdempotencyKey({
    terminalId: request.terminalId,
    batchNo: selector.slice(0, 6),
    stan: selector.slice(6),
  });
  const found = await ctx.engine.paymentOfKey(request.merchantId, key);
  if (!isOrder(found) || found.terminalId !== request.terminalId) {
    return { code: answerCodes.originalNotFound, log: { close: selector, found: false } };
  }
  const order = await ctx.engine.cancelQrOrder(request.merchantId, found.id);
  const field59 = orderField59(order);
  assert(isOrder(order) && field59 !== undefined, `payment ${found.id} stays a QR order`);
  const state = orderStateOf(order);
  return {
    code: answerCodes.approved,
    fields: {
      '59': field59,
      '63': field63Text(state === 'paid' ? ' paid before it was closed: the sale stands' : ` ${state}`),
    },
    log: { close: selector, paymentId: order.id, orderNo: order.qr.orderNo, state },
  };
}
