// A sale paid with a wallet payment code (issue 20), as POST /v1/payments takes it: the body's
// `paymentCode` in place of `card` and `entryMode`. The code is read (which wallet, masked,
// fingerprinted) here at the door, as a card number is, and goes on only inside a Secret; a code
// of no wallet's form is refused with its own error code before anything is stored.
import type { Secret } from '../../cards/secret.js';
import type { Currency } from '../../money/money.js';
import { readPaymentCode } from '../../payments/payment-code.js';
import type { QrSaleCommand } from '../../payments/qr-sale.js';

export interface QrSaleBody {
  readonly terminalId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly paymentCode: string;
  readonly operatorId?: string;
  readonly confirmDuplicate?: boolean;
  readonly reference?: string;
}

export function qrSaleCommand(
  body: QrSaleBody,
  request: { merchantId: string; idempotencyKey: string; fingerprintKey: Secret<Buffer> },
): QrSaleCommand {
  return {
    merchantId: request.merchantId,
    terminalId: body.terminalId,
    idempotencyKey: request.idempotencyKey,
    amount: body.amount,
    currency: body.currency,
    code: readPaymentCode({ code: body.paymentCode, fingerprintKey: request.fingerprintKey }),
    operatorId: body.operatorId ?? null,
    confirmDuplicate: body.confirmDuplicate ?? false,
    reference: body.reference ?? null,
    channel: 'http',
    stan: null,
    batchNo: null,
  };
}
