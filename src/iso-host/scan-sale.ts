// A scan-code (QR) sale over ISO 8583 (issue 20): a 0200 sale (F3 000000, 60.1 22) without card
// fields whose field 59 carries the customer's payment code as posguard's scan-code TLV
// (iso8583/field-59.ts; docs/iso8583.md, "Scan-code (QR) sales and field 59"). Like a card sale it
// is MACed, named by terminal + batch + STAN (so a retransmission gets the stored answer) and
// reversed by a 0400 (the engine cancels it at the wallet). This door only translates: it reads
// the code (which wallet, masked, fingerprinted; a code of no wallet's form is refused with its
// catalogue answer code and never echoed or logged), builds a QrSaleCommand, calls the engine and
// writes the answer: the payment's field 39, and field 59 with the wallet, the masked code and,
// once the wallet charged, its trade number.
import { errorEntry } from '../error-catalogue.js';
import {
  buildScanAnswer,
  duplicateConfirmationMarker,
  parseScanRequest,
  sixDigits,
  type Field60,
  type ScanRequestData,
} from '../iso8583/index.js';
import type { PaymentView } from '../payments/payment.js';
import { readPaymentCode, type PaymentCode } from '../payments/payment-code.js';
import { qrHorizonMs } from '../payments/pending-horizon.js';
import { isPosError } from '../pos-error.js';
import { answerCodes } from './answer-codes.js';
import { formatError, untilAnswered } from './financial-requests.js';
import { field63Text, type HandlerAnswer, type HostContext, type TerminalRequest } from './host-context.js';
import { isoIdempotencyKey } from './idempotency-key.js';
import { answerOfRefusal, answerOfView } from './payment-answer.js';
import { RequestFields } from './request-fields.js';

/**
 * A refusal the engine or the code reader names (a bad code, a wallet this host does not take,
 * the terminal's last QR sale still unresolved): its catalogue answer code, and in field 63 the
 * cashier's words in English (field 63 is ASCII; the SDK has both languages by answer code).
 * Anything else is not a refusal of this request: rethrown, for the host's 96. Codes the terminal
 * shows (shown-code.ts) are refused the same way.
 */
export function refusal(error: unknown): HandlerAnswer {
  const iso = isPosError(error) ? errorEntry(error.code).iso : undefined;
  if (!isPosError(error) || iso === undefined) throw error;
  const cashier = error.details['cashierMessage'] as { en?: unknown } | undefined;
  const words = typeof cashier?.en === 'string' ? ` ${cashier.en}` : '';
  return {
    code: iso,
    fields: { '63': field63Text(words) },
    log: { errorCode: error.code, refused: error.message },
  };
}

/** Field 39 of a QR sale's answer: the engine's code where a card's would mislead (13, 05 on a cancel). */
function codeOf(view: PaymentView, cardCode: string): string {
  const cancelled =
    view.status === 'reversal_pending' || view.status === 'reversed' || view.status === 'reversal_failed';
  return cancelled ? (view.responseCode ?? answerCodes.issuerTimeout) : cardCode;
}

/** Field 63 of a QR sale's answer: the wallet's words, not the issuer's or the card's. */
function textOf(view: PaymentView): string {
  if (view.status === 'approved') return field63Text();
  if (view.status === 'duplicate_suspected') {
    return field63Text(
      ` SUSPECTED DUPLICATE of ${view.duplicateOf ?? 'a recent sale'}: the same customer paid this amount moments ago; this charge is cancelled and refunded. To charge again: a fresh code, new STAN, field 63 = operator + ${duplicateConfirmationMarker}`,
    );
  }
  return field63Text(` ${view.message}`);
}

/** The answer to a scan-code sale the engine answered (or replayed). */
async function scanAnswer(
  ctx: HostContext,
  merchantId: string,
  view: PaymentView,
  replayed: boolean,
): Promise<HandlerAnswer> {
  const answer = answerOfView(view, replayed);
  if (view.qr === null) return answer; // a key of a card sale: answered as one
  // The trade number is the payment's, not the stored answer's: read it once the wallet charged.
  const tradeNo =
    view.status === 'approved'
      ? ((await ctx.engine.getPayment(merchantId, view.id)).qr?.tradeNo ?? null)
      : null;
  return {
    ...answer,
    code: codeOf(view, answer.code),
    fields: {
      ...answer.fields,
      '59': buildScanAnswer({ wallet: view.qr.wallet, codeMasked: view.qr.codeMasked ?? '', tradeNo }),
      '63': textOf(view),
    },
    log: { ...answer.log, wallet: view.qr.wallet, codeMasked: view.qr.codeMasked },
  };
}

export async function handleScanSale(
  ctx: HostContext,
  request: TerminalRequest,
  field60: Field60,
): Promise<HandlerAnswer> {
  const fields = new RequestFields(request.message);
  const stan = fields.stan();
  const amount = fields.amount();
  const currency = fields.currency();
  const { operatorId, confirmDuplicate } = fields.operator();
  let scan: ScanRequestData | undefined;
  try {
    scan = parseScanRequest(request.message.fields['59'] ?? '');
  } catch (error) {
    if (!isPosError(error)) throw error;
    fields.problems.push(...error.problems);
  }
  if (fields.problems.length > 0 || scan === undefined) return formatError(fields.problems);
  let code: PaymentCode;
  try {
    code = readPaymentCode({
      code: scan.paymentCode,
      fingerprintKey: ctx.fingerprintKey,
      field: 'field 59 PC',
    });
  } catch (error) {
    return refusal(error);
  }
  const batchNo = sixDigits(field60.batchNumber);
  const engine = ctx.engine.context;
  try {
    const result = await untilAnswered(
      ctx,
      () =>
        ctx.engine.authorizeQrSale({
          merchantId: request.merchantId,
          terminalId: request.terminalId,
          idempotencyKey: isoIdempotencyKey({ terminalId: request.terminalId, batchNo, stan }),
          amount,
          currency,
          code,
          operatorId,
          confirmDuplicate,
          reference: null,
          channel: 'iso',
          stan,
          batchNo,
        }),
      // The first request with this key may poll its wallet for the whole pay window.
      qrHorizonMs(engine) + engine.settings.recoveryGraceMs,
    );
    const answer =
      result.kind === 'answered'
        ? await scanAnswer(ctx, request.merchantId, result.answer.view, result.replayed)
        : answerOfRefusal(result);
    return { ...answer, log: { ...answer.log, confirmDuplicate } };
  } catch (error) {
    return refusal(error);
  }
}
