// The payment routes: authorise, read, list, void, refund, reverse, and the terminal's last
// payment for receipt reprints. Handlers only translate between HTTP and the engine.
import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { makeCard, type Card } from '../../cards/card.js';
import type { Secret } from '../../cards/secret.js';
import type { Currency } from '../../money/money.js';
import type { PaymentEngine } from '../../payments/engine.js';
import type { EngineResult } from '../../payments/idempotency.js';
import type {
  EngineAnswer,
  EntryMode,
  PaymentKind,
  PaymentStatus,
  ReversalReason,
} from '../../payments/payment.js';
import { toPaymentView } from '../../payments/payment-view.js';
import { paymentJson } from '../../payments/ports/answer-json.js';
import type { Store } from '../../payments/ports/store.js';
import { describeValue, PosError } from '../../pos-error.js';
import { readScope } from '../merchant-scope.js';
import { idempotencyKeyOf, merchantOf, sendAnswer } from '../request-context.js';
import { qrSaleCommand, type QrSaleBody } from './qr-sale-body.js';
import {
  errorResponses,
  idempotencyKeyHeader,
  paymentIdParams,
  paymentListQuery,
  paymentView,
  refundBody,
  reversalByIdBody,
  reversalByKeyBody,
  reversalView,
  saleBody,
  terminalParams,
  voidBody,
} from '../schemas.js';

interface CardSaleBody {
  terminalId: string;
  amount: number;
  currency: Currency;
  card: { pan: string; expiry: string };
  entryMode: EntryMode;
  paymentCode?: never;
  operatorId?: string;
  confirmDuplicate?: boolean;
  reference?: string;
}

/** A card sale, or a sale paid with a wallet payment code (the schema takes exactly one). */
type SaleBody = CardSaleBody | QrSaleBody;

/** Turns an engine result that is not a plain answer into the error the draft prescribes. */
export function refusal(result: Exclude<EngineResult, { kind: 'answered' }>): PosError {
  switch (result.kind) {
    case 'key_reused':
      return new PosError(
        'POS_ERR_IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key: this key was already used for a different ${result.operation} request; use a new key for a new request`,
      );
    case 'in_flight':
      return new PosError(
        'POS_ERR_IDEMPOTENCY_IN_FLIGHT',
        'Idempotency-Key: the first request with this key is still being processed; retry later for its answer',
      );
    case 'tombstoned':
      return new PosError(
        'POS_ERR_IDEMPOTENCY_KEY_REVERSED',
        'Idempotency-Key: a reversal for this key arrived before the request itself; it was not sent to the issuer',
      );
  }
}

const security = [{ apiKey: [] }];
const readErrors = errorResponses.read;
const writeErrors = errorResponses.write;

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = Number(createdAt);
  // The id goes into a store query: printable ASCII only (a NUL is an error on PostgreSQL).
  if (id === undefined || !Number.isSafeInteger(at) || !/^[\x21-\x7e]{1,64}$/.test(id)) {
    throw PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', 'request querystring', [
      {
        field: 'cursor',
        expected: 'the nextCursor of a previous page',
        actual: describeValue(cursor),
      },
    ]);
  }
  return { createdAt: at, id };
}

function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(`${createdAt}|${id}`, 'utf8').toString('base64url');
}

interface PaymentRouteDeps {
  engine: PaymentEngine;
  fingerprintKey: Secret<Buffer>;
  /** For the list's merchant scope (merchant-scope.ts): operations may list every merchant's. */
  store: Pick<Store, 'read'>;
}

/** The answer itself, or the error a result without one stands for. */
function answerOrRefuse<A extends EngineAnswer>(
  result: EngineResult<A>,
): Extract<EngineResult<A>, { kind: 'answered' }> {
  if (result.kind !== 'answered') throw refusal(result);
  return result;
}

interface PaymentListQuery {
  merchantId?: string;
  terminalId?: string;
  kind?: PaymentKind;
  status?: PaymentStatus;
  from?: string;
  to?: string;
  amountMin?: string;
  amountMax?: string;
  cardLast4?: string;
  limit?: string;
  cursor?: string;
}

/** One page of `GET /v1/payments`: the payments, and the cursor of the next page (null on the last). */
const paymentPage = {
  type: 'object',
  additionalProperties: false,
  required: ['data', 'nextCursor'],
  properties: {
    data: { type: 'array', items: paymentView },
    nextCursor: { type: ['string', 'null'] },
  },
};

/** One page of a merchant's payments, newest first, after checking the limit and the time range. */
async function listPage(
  engine: PaymentEngine,
  merchantId: string | null,
  q: PaymentListQuery,
): Promise<{ data: unknown[]; nextCursor: string | null }> {
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (limit < 1 || limit > 500) {
    throw PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', 'request querystring', [
      { field: 'limit', expected: 'a whole number from 1 to 500', actual: describeValue(q.limit) },
    ]);
  }
  if (q.from !== undefined && q.to !== undefined && Date.parse(q.from) >= Date.parse(q.to)) {
    throw PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', 'request querystring', [
      { field: 'from', expected: 'a time before to', actual: describeValue(q.from) },
    ]);
  }
  const payments = await engine.listPayments({
    merchantId,
    limit,
    ...(q.terminalId !== undefined ? { terminalId: q.terminalId } : {}),
    ...(q.kind !== undefined ? { kind: q.kind } : {}),
    ...(q.status !== undefined ? { status: q.status } : {}),
    ...(q.from !== undefined ? { fromMs: Date.parse(q.from) } : {}),
    ...(q.to !== undefined ? { toMs: Date.parse(q.to) } : {}),
    ...(q.amountMin !== undefined ? { amountMin: Number(q.amountMin) } : {}),
    ...(q.amountMax !== undefined ? { amountMax: Number(q.amountMax) } : {}),
    ...(q.cardLast4 !== undefined ? { cardLast4: q.cardLast4 } : {}),
    ...(q.cursor !== undefined ? { before: decodeCursor(q.cursor) } : {}),
  });
  const last = payments[payments.length - 1];
  return {
    data: payments.map((payment) => paymentJson(toPaymentView(payment))),
    nextCursor:
      payments.length === limit && last !== undefined ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export function registerPaymentRoutes(app: FastifyInstance, deps: PaymentRouteDeps): void {
  // In this order, which is the order of the OpenAPI document's paths.
  registerSaleRoute(app, deps);
  registerPaymentReadRoutes(app, deps);
  registerReversalRoutes(app, deps.engine);
  registerVoidAndRefundRoutes(app, deps.engine);
  registerLastPaymentRoute(app, deps.engine);
}

/** `POST /v1/payments`: a card sale, the card read into a fingerprinted `Card` here at the door. */
function registerSaleRoute(app: FastifyInstance, deps: PaymentRouteDeps): void {
  const { engine } = deps;
  app.post<{ Body: SaleBody }>(
    '/v1/payments',
    {
      schema: {
        summary: 'Authorise a sale',
        description:
          'Authorises a sale exactly once per Idempotency-Key. A card sale that looks like a recent one (same terminal, card and amount within the duplicate window) is answered duplicate_suspected and not sent, unless confirmDuplicate is set. ' +
          'A QR sale (paymentCode in place of card and entryMode) is answered once the wallet settles it, which may take its pay window while the customer confirms on the phone; a new code on a terminal whose QR sale is unresolved is refused (409). The payer is known only once the wallet charged: the same payer, amount and terminal within the window is cancelled at once (refunded) and answered duplicate_suspected, unless confirmDuplicate is set.',
        tags: ['payments'],
        security,
        headers: idempotencyKeyHeader,
        body: saleBody,
        response: { 201: paymentView, ...writeErrors },
      },
    },
    async (request, reply) => {
      const merchant = merchantOf(request);
      const body = request.body;
      if (body.paymentCode !== undefined) {
        const command = qrSaleCommand(body, {
          merchantId: merchant.id,
          idempotencyKey: idempotencyKeyOf(request),
          fingerprintKey: deps.fingerprintKey,
        });
        const result = answerOrRefuse(await engine.authorizeQrSale(command));
        return sendAnswer(reply, result.answer, result.replayed);
      }
      const card: Card = makeCard({
        pan: body.card.pan,
        expiry: body.card.expiry,
        fingerprintKey: deps.fingerprintKey,
      });
      const result = answerOrRefuse(
        await engine.authorizeSale({
          merchantId: merchant.id,
          terminalId: body.terminalId,
          idempotencyKey: idempotencyKeyOf(request),
          amount: body.amount,
          currency: body.currency,
          card,
          entryMode: body.entryMode,
          operatorId: body.operatorId ?? null,
          confirmDuplicate: body.confirmDuplicate ?? false,
          reference: body.reference ?? null,
          channel: 'http',
          stan: null,
          batchNo: null,
        }),
      );
      return sendAnswer(reply, result.answer, result.replayed);
    },
  );
}

/** `GET /v1/payments/:id` and `GET /v1/payments`: one payment, or a page of them. */
function registerPaymentReadRoutes(app: FastifyInstance, { engine, store }: PaymentRouteDeps): void {
  app.get<{ Params: { id: string } }>(
    '/v1/payments/:id',
    {
      schema: {
        summary: 'Read a payment',
        tags: ['payments'],
        security,
        params: paymentIdParams,
        response: { 200: paymentView, ...readErrors },
      },
    },
    async (request) =>
      paymentJson(toPaymentView(await engine.getPayment(merchantOf(request).id, request.params.id))),
  );

  app.get<{ Querystring: PaymentListQuery }>(
    '/v1/payments',
    {
      schema: {
        summary: 'List payments, newest first',
        description:
          "A merchant's own payments; operations list every merchant's, or one merchant's with merchantId.",
        tags: ['payments'],
        security,
        querystring: paymentListQuery,
        response: { 200: paymentPage, ...readErrors },
      },
    },
    async (request) =>
      listPage(engine, await readScope(request, request.query.merchantId, store), request.query),
  );
}

/** The two ways to reverse: by the payment's id, or by the idempotency key of its request. */
function registerReversalRoutes(app: FastifyInstance, engine: PaymentEngine): void {
  app.post<{ Params: { id: string }; Body: { reason: ReversalReason } }>(
    '/v1/payments/:id/reversal',
    {
      schema: {
        summary: 'Reverse a payment whose outcome the terminal never saw or could not finish',
        tags: ['reversals'],
        security,
        headers: idempotencyKeyHeader,
        params: paymentIdParams,
        body: reversalByIdBody,
        response: { 200: reversalView, 202: reversalView, ...writeErrors },
      },
    },
    async (request, reply) => {
      const result = answerOrRefuse(
        await engine.reverse({
          merchantId: merchantOf(request).id,
          idempotencyKey: idempotencyKeyOf(request),
          target: { paymentId: request.params.id },
          reason: request.body.reason,
        }),
      );
      return sendAnswer(reply, result.answer, result.replayed);
    },
  );

  app.post<{ Body: { idempotencyKey: string; reason: ReversalReason } }>(
    '/v1/reversals',
    {
      schema: {
        summary: 'Reverse by the original idempotency key (the client never learnt the payment id)',
        description:
          'When the original has not arrived, a tombstone is left under its key: the original is refused if it arrives later.',
        tags: ['reversals'],
        security,
        headers: idempotencyKeyHeader,
        body: reversalByKeyBody,
        response: { 200: reversalView, 202: reversalView, ...writeErrors },
      },
    },
    async (request, reply) => {
      const result = answerOrRefuse(
        await engine.reverse({
          merchantId: merchantOf(request).id,
          idempotencyKey: idempotencyKeyOf(request),
          target: { originalKey: request.body.idempotencyKey },
          reason: request.body.reason,
        }),
      );
      return sendAnswer(reply, result.answer, result.replayed);
    },
  );
}

/** Void and refund: children of an approved sale, each under its own idempotency key. */
function registerVoidAndRefundRoutes(app: FastifyInstance, engine: PaymentEngine): void {
  app.post<{ Params: { id: string }; Body: { operatorId?: string } | undefined }>(
    '/v1/payments/:id/void',
    {
      schema: {
        summary: 'Void an approved sale in full',
        description:
          "A QR sale's void is a full refund at its wallet, under a refund number derived from the Idempotency-Key. When the wallet has not confirmed it within its refund window the answer is 202 with status pending: the host keeps asking the wallet under the same number, and the same key answers 409 until it is settled, then the final answer.",
        tags: ['payments'],
        security,
        headers: idempotencyKeyHeader,
        params: paymentIdParams,
        body: voidBody,
        response: { 201: paymentView, 202: paymentView, ...writeErrors },
      },
    },
    async (request, reply) => {
      const result = answerOrRefuse(
        await engine.voidSale({
          merchantId: merchantOf(request).id,
          saleId: request.params.id,
          idempotencyKey: idempotencyKeyOf(request),
          operatorId: request.body?.operatorId ?? null,
          channel: 'http',
          terminalId: null,
          stan: null,
          batchNo: null,
        }),
      );
      return sendAnswer(reply, result.answer, result.replayed);
    },
  );

  app.post<{ Params: { id: string }; Body: { amount: number; currency?: Currency; operatorId?: string } }>(
    '/v1/payments/:id/refunds',
    {
      schema: {
        summary: 'Refund part or all of a captured sale',
        description:
          "A QR sale's refund is made at its wallet under a refund number derived from the Idempotency-Key, so a retry never refunds twice. When the wallet has not confirmed it within its refund window the answer is 202 with status pending: the host keeps asking the wallet under the same number, and the same key answers 409 until it is settled, then the final answer. `currency`, when given, must be the sale's.",
        tags: ['payments'],
        security,
        headers: idempotencyKeyHeader,
        params: paymentIdParams,
        body: refundBody,
        response: { 201: paymentView, 202: paymentView, ...writeErrors },
      },
    },
    async (request, reply) => {
      const result = answerOrRefuse(
        await engine.refundSale({
          merchantId: merchantOf(request).id,
          saleId: request.params.id,
          amount: request.body.amount,
          ...(request.body.currency === undefined ? {} : { currency: request.body.currency }),
          idempotencyKey: idempotencyKeyOf(request),
          operatorId: request.body.operatorId ?? null,
          channel: 'http',
          terminalId: null,
          stan: null,
          batchNo: null,
        }),
      );
      return sendAnswer(reply, result.answer, result.replayed);
    },
  );
}

/** `GET /v1/terminals/:terminalId/last-payment`: what a terminal reprints a receipt from. */
function registerLastPaymentRoute(app: FastifyInstance, engine: PaymentEngine): void {
  app.get<{ Params: { terminalId: string } }>(
    '/v1/terminals/:terminalId/last-payment',
    {
      schema: {
        summary: "The terminal's latest payment in any state, for a receipt reprint",
        tags: ['terminals'],
        security,
        params: terminalParams,
        response: { 200: paymentView, ...readErrors },
      },
    },
    async (request) => {
      const payment = await engine.lastPayment(merchantOf(request).id, request.params.terminalId);
      if (payment === undefined) {
        throw new PosError(
          'POS_ERR_PAYMENT_NOT_FOUND',
          `terminal ${request.params.terminalId} has no payment yet`,
        );
      }
      return paymentJson(toPaymentView(payment));
    },
  );
}
