// Idempotency rows and the answers they keep. An answer is stored as the JSON the HTTP API sent
// with it (response_body) and the status it had (response_status), the format every earlier
// version wrote: a database shared with an older host, or rows written before this one, read the
// same. It is decoded here, once, into the engine's answer value; the doors encode that value
// their own way, and the HTTP door's encoding of it is the stored body again, byte for byte
// (checked in request-rows.test.ts and by the HTTP replay tests).
import { assert } from '../../assert.js';
import { isoTime } from '../../clock/clock.js';
import { answerJson } from '../../payments/ports/answer-json.js';
import type { RequestRecord } from '../../payments/ports/idempotency-store.js';
import { requestOperations, requestStates } from '../../payments/ports/idempotency-store.js';
import { wallets } from '../../payments/ports/wallet.js';
import {
  reversalOutcomes,
  type EngineAnswer,
  type PaymentView,
  type ReversalView,
} from '../../payments/payment.js';
import {
  currency,
  integer,
  integerOrNull,
  oneOf,
  paymentKind,
  paymentStatus,
  reversalReason,
  text,
  textOrNull,
  type Row,
} from './rows.js';

const requestOperation = oneOf(requestOperations);
const requestState = oneOf(requestStates);
const reversalOutcome = oneOf(reversalOutcomes);
const qrMethod = oneOf(['qr'] as const);
const shownFlow = oneOf(['shown'] as const);
const wallet = oneOf(wallets);

/** The stored body and status of an answer: the HTTP API's encoding (payments/ports/answer-json.ts). */
export const encodeAnswer = answerJson;

function objectAt(value: unknown, what: string): Row {
  assert(typeof value === 'object' && value !== null && !Array.isArray(value), `${what} is an object`);
  return value as Row;
}

function boolean(json: Row, key: string): boolean {
  const value = json[key];
  assert(typeof value === 'boolean', `stored answer field ${key} is a boolean`);
  return value;
}

/** A JSON number (not a string of digits, which a row's reader accepts from PostgreSQL). */
function wholeNumber(json: Row, key: string): number {
  const value = json[key];
  assert(
    typeof value === 'number' && Number.isSafeInteger(value),
    `stored answer field ${key} is a whole number`,
  );
  return value;
}

/** An ISO 8601 time this module wrote, back to epoch milliseconds (and only such a time). */
function time(json: Row, key: string): number {
  const value = text(json, key);
  const ms = Date.parse(value);
  assert(Number.isSafeInteger(ms) && isoTime(ms) === value, `stored answer field ${key} is an ISO 8601 time`);
  return ms;
}

function decodePayment(json: Row): PaymentView {
  return {
    id: text(json, 'id'),
    kind: paymentKind(json, 'kind'),
    status: paymentStatus(json, 'status'),
    responseCode: textOrNull(json, 'responseCode'),
    message: text(json, 'message'),
    rrn: textOrNull(json, 'rrn'),
    authCode: textOrNull(json, 'authCode'),
    amount: wholeNumber(json, 'amount'),
    currency: currency(json, 'currency'),
    cardMasked: textOrNull(json, 'cardMasked'),
    terminalId: text(json, 'terminalId'),
    duplicateOf: textOrNull(json, 'duplicateOf'),
    duplicateConfirmed: boolean(json, 'duplicateConfirmed'),
    flaggedForReview: boolean(json, 'flaggedForReview'),
    originalId: textOrNull(json, 'originalId'),
    operatorId: textOrNull(json, 'operatorId'),
    reference: textOrNull(json, 'reference'),
    stan: textOrNull(json, 'stan'),
    batchNo: textOrNull(json, 'batchNo'),
    createdAt: time(json, 'createdAt'),
    updatedAt: time(json, 'updatedAt'),
    qr: decodeQr(json),
  };
}

/**
 * Only a QR sale's answer has a method (answer-json.ts): a card answer reads as it always did. A
 * shown code's answer adds its flow, content and expiry; a scanned code's has none of them.
 */
function decodeQr(json: Row): PaymentView['qr'] {
  if (json['method'] === undefined) return null;
  qrMethod(json, 'method');
  if (json['qrFlow'] === undefined) {
    return { wallet: wallet(json, 'wallet'), codeMasked: text(json, 'paymentCodeMasked'), shown: null };
  }
  shownFlow(json, 'qrFlow');
  assert(json['paymentCodeMasked'] === null, 'a stored shown-code answer has no payment code');
  return {
    wallet: wallet(json, 'wallet'),
    codeMasked: null,
    shown: { qrContent: textOrNull(json, 'qrContent'), expiresAt: time(json, 'expiresAt') },
  };
}

/**
 * The answer a stored body holds. A body this code did not write stops with an assertion, as a
 * row does (rows.ts): it would otherwise be replayed as something the types promise it is not.
 */
export function decodeAnswer(body: string): EngineAnswer {
  const json = objectAt(JSON.parse(body) as unknown, 'a stored answer');
  if (!('reversal' in json)) return { kind: 'payment', view: decodePayment(json) };
  const reversal = objectAt(json['reversal'], 'a stored reversal');
  const view: ReversalView = {
    reversal: { state: reversalOutcome(reversal, 'state'), reason: reversalReason(reversal, 'reason') },
    payment: json['payment'] === null ? null : decodePayment(objectAt(json['payment'], 'a stored payment')),
  };
  return { kind: 'reversal', view };
}

export function toRequest(row: Row): RequestRecord {
  const body = textOrNull(row, 'response_body');
  // The status is not read back: the answer's kind and state say what it was.
  integerOrNull(row, 'response_status');
  return {
    merchantId: text(row, 'merchant_id'),
    idempotencyKey: text(row, 'idempotency_key'),
    operation: requestOperation(row, 'operation'),
    requestHash: text(row, 'request_hash'),
    paymentId: textOrNull(row, 'payment_id'),
    state: requestState(row, 'state'),
    answer: body === null ? null : decodeAnswer(body),
    createdAt: integer(row, 'created_at'),
    expiresAt: integer(row, 'expires_at'),
  };
}
