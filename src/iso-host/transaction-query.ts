// The transaction query: how a terminal whose journal lacks an outcome (a printer fault after a
// crash, a lost journal) learns it from the host without running anything again. CUP POS has no
// such message, so posguard defines one on the echo test (0820, 60.3 = 301), which moves no money:
//   request  field 63 = "QRY"                 the terminal's latest transaction, or
//            field 63 = "QRY" + batch + STAN  (6 + 6 digits) the transaction of that batch and STAN
//            field 64 = MAC (required: the answer is only given to a signed-in terminal)
//   answer   39 = 00 and field 63 = "QRY;k=<kind>;s=<status>;rc=<code>;a=<fen>;cur=<currency>;
//            rrn=<RRN>;ac=<auth code>;b=<batch>;t=<STAN>;c=<masked card>;at=<YYYYMMDDhhmmss>"
//            and, for a QR sale, ";w=<wallet>;q=<masked payment code>" (absent values left out),
//            MACed; 25 when there is no such transaction.
// For a code the terminal shows (a QR order) the answer adds field 59, the order as it stands
// (shown-code.ts): an open order is first asked about at the wallet (`engine.readQrOrder`, which
// closes it once past its expiry), so polling this query is how a terminal learns it was paid.
// An echo with `QRC` closes an order (shown-code.ts); one without either marker stays a plain echo.
import { transactionQueryMarker } from '../iso8583/index.js';
import type { PaymentRecord } from '../payments/payment.js';
import { answerCodes } from './answer-codes.js';
import type { HandlerAnswer, HostContext, TerminalRequest } from './host-context.js';
import { isoIdempotencyKey } from './idempotency-key.js';
import { chinaTimestamp } from './local-time.js';
import { isOrderClose, orderField59, orderStateOf } from './shown-code.js';

/** What an echo asks beyond the echo itself: a transaction query, an order's close, or nothing. */
export function echoQueryOf(request: {
  message: { fields: Readonly<Record<string, string>> };
}): 'transaction-query' | 'qr-order-close' | undefined {
  if (request.message.fields['63']?.startsWith(transactionQueryMarker) ?? false) return 'transaction-query';
  return isOrderClose(request) ? 'qr-order-close' : undefined;
}

export function queryAnswerText(payment: PaymentRecord): string {
  const parts: Array<[string, string | null]> = [
    ['k', payment.kind],
    ['s', payment.status],
    ['rc', payment.responseCode],
    ['a', String(payment.amount)],
    ['cur', payment.currency],
    ['rrn', payment.rrn],
    ['ac', payment.authCode],
    ['b', payment.batchNo],
    ['t', payment.stan],
    ['c', payment.cardMasked],
    ['at', chinaTimestamp(payment.createdAt)],
    // A QR sale's wallet and masked code (issue 20); the trade number would not fit field 63's 163.
    ['w', payment.qr?.wallet ?? null],
    ['q', payment.qr?.codeMasked ?? null],
  ];
  return [transactionQueryMarker, ...parts.filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`)].join(
    ';',
  );
}

export async function handleTransactionQuery(
  ctx: HostContext,
  request: TerminalRequest,
): Promise<HandlerAnswer> {
  const selector = (request.message.fields['63'] ?? '').slice(transactionQueryMarker.length).trim();
  if (selector !== '' && !/^\d{12}$/.test(selector)) {
    return {
      code: answerCodes.formatError,
      log: {
        problems: [
          `field 63: expected QRY or QRY + batch + STAN (12 digits), got ${selector.length} characters after QRY`,
        ],
      },
    };
  }
  let payment: PaymentRecord | undefined;
  if (selector === '') {
    payment = await ctx.engine.lastPayment(request.merchantId, request.terminalId);
  } else {
    const key = isoIdempotencyKey({
      terminalId: request.terminalId,
      batchNo: selector.slice(0, 6),
      stan: selector.slice(6),
    });
    payment = await ctx.engine.paymentOfKey(request.merchantId, key);
  }
  if (
    payment === undefined ||
    payment.terminalId !== request.terminalId ||
    payment.merchantId !== request.merchantId
  ) {
    return {
      code: answerCodes.originalNotFound,
      log: { query: selector === '' ? 'latest' : selector, found: false },
    };
  }
  const log = { query: selector === '' ? 'latest' : selector, paymentId: payment.id };
  if (payment.qr?.flow === 'shown') {
    const order =
      payment.status === 'pending' ? await ctx.engine.readQrOrder(request.merchantId, payment.id) : payment;
    const field59 = orderField59(order);
    if (field59 !== undefined) {
      return {
        code: answerCodes.approved,
        fields: { '59': field59, '63': queryAnswerText(order) },
        log: { ...log, status: order.status, state: orderStateOf(order) },
      };
    }
  }
  return {
    code: answerCodes.approved,
    fields: { '63': queryAnswerText(payment) },
    log: { ...log, status: payment.status },
  };
}
