// Turns the engine's answer about a sale, void or refund into the fields of a 0210/0230. The answer
// is built from the engine's PaymentView (the stored one on a replay), so a retransmission (a replay of the stored answer) gets
// the same RRN, authorisation code, response code and times, and only the MAC is computed anew.
//   approved            -> 00 (the issuer's code), F37 RRN, F38 authorisation code
//   declined            -> the issuer's code (51, 05...) or 91 when the issuer was unavailable
//   reversal_pending    -> 98: no answer from the issuer in time; the host reverses it itself
//   duplicate_suspected -> 94 with the reason and the way to confirm in field 63
import { duplicateConfirmationMarker } from '../iso8583/index.js';
import type { EngineResult } from '../payments/idempotency.js';
import type { PaymentView } from '../payments/payment.js';
import { answerCodes } from './answer-codes.js';
import { field63Text, type HandlerAnswer } from './host-context.js';
import { chinaLocalTime } from './local-time.js';

function codeOfView(view: PaymentView): string {
  switch (view.status) {
    case 'approved':
      return view.responseCode ?? answerCodes.approved;
    case 'duplicate_suspected':
      return answerCodes.duplicateTransmission;
    case 'reversal_pending':
    case 'reversed':
    case 'reversal_failed':
      return answerCodes.issuerTimeout;
    default:
      return view.responseCode ?? answerCodes.systemFault;
  }
}

export function answerOfView(view: PaymentView, replayed: boolean): HandlerAnswer {
  const code = codeOfView(view);
  const local = chinaLocalTime(view.createdAt);
  const fields: Record<string, string> = { '12': local.hhmmss, '13': local.mmdd };
  if (view.rrn !== null) fields['37'] = view.rrn;
  // F38 is an6: an upstream's code of another size is left out rather than failing the answer.
  if (view.authCode?.length === 6 && view.status === 'approved') fields['38'] = view.authCode;
  if (view.status === 'duplicate_suspected') {
    fields['63'] = field63Text(
      ` SUSPECTED DUPLICATE of ${view.duplicateOf ?? 'a recent sale'}, not charged. To charge again: new STAN, field 63 = operator + ${duplicateConfirmationMarker}`,
    );
  } else if (code === answerCodes.issuerTimeout) {
    fields['63'] = field63Text(
      ' no answer from the issuer in time: the host reverses it, the card is not charged',
    );
  } else {
    fields['63'] = field63Text();
  }
  return {
    code,
    fields,
    log: {
      paymentId: view.id,
      status: view.status,
      rrn: view.rrn,
      cardMasked: view.cardMasked,
      amount: view.amount,
      replayed,
    },
  };
}

/** The answer for an engine result other than a fresh or replayed payment answer. */
export function answerOfRefusal(result: Exclude<EngineResult, { kind: 'answered' }>): HandlerAnswer {
  switch (result.kind) {
    case 'key_reused':
      return {
        code: answerCodes.duplicateTransmission,
        fields: {
          '63': field63Text(
            ` this STAN was already used in this batch for another ${result.operation} request: nothing was done`,
          ),
        },
        log: { refused: 'idempotency key reused with other content', operation: result.operation },
      };
    case 'tombstoned':
      return {
        code: answerCodes.duplicateTransmission,
        fields: {
          '63': field63Text(' reversed before it arrived: not sent to the issuer, the card is not charged'),
        },
        log: { refused: 'original arrived after its reversal (tombstone)' },
      };
    case 'in_flight':
      return {
        code: answerCodes.systemFault,
        withhold: 'the first request with this STAN is still in flight',
        log: { refused: 'in flight' },
      };
  }
}
