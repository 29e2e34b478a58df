// Codes the terminal shows (QR orders, merchant-presented; issue 20 point 4) over HTTP: create one
// for a terminal (`POST /v1/qr-orders`, Idempotency-Key like a payment), read it while the customer
// pays (`GET /v1/qr-orders/{id}`, which asks the wallet about an open order at most once per its
// query interval), cancel it (`DELETE /v1/qr-orders/{id}`), and the wallets' payment
// notifications (`POST /v1/wallet-notifications/{wallet}`). A notification carries no API key: the
// wallet's signature, checked by its provider over the raw body, is its authentication. Its body
// is read as bytes in the wallet's own format (a form for Alipay, XML for WeChat Pay), within the
// API's body limit, and an address that keeps sending invalid ones is held off for a minute.
// Handlers only translate between HTTP and the engine.
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock/clock.js';
import type { Currency } from '../../money/money.js';
import type { PaymentEngine } from '../../payments/engine.js';
import { toPaymentView } from '../../payments/payment-view.js';
import { paymentJson } from '../../payments/ports/answer-json.js';
import { wallets, type Wallet } from '../../payments/ports/wallet.js';
import { isPosError, PosError } from '../../pos-error.js';
import { AuthFailureLimit } from '../auth-failure-limit.js';
import { idempotencyKeyOf, merchantOf, sendAnswer } from '../request-context.js';
import { errorResponses, errorView, idempotencyKeyHeader, qrOrderView, saleBody } from '../schemas.js';
import { refusal } from './payment-routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** No API key and no Idempotency-Key: the caller proves itself otherwise (http-app.ts). */
    public?: boolean;
  }
}

interface QrOrderBody {
  readonly terminalId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly wallet: Wallet;
  readonly operatorId?: string;
  readonly reference?: string;
  readonly confirmDuplicate?: boolean;
}

const sale = saleBody.properties;

const qrOrderBody = {
  type: 'object',
  additionalProperties: false,
  required: ['terminalId', 'amount', 'currency', 'wallet'],
  properties: {
    terminalId: sale.terminalId,
    amount: sale.amount,
    currency: sale.currency,
    wallet: {
      type: 'string',
      enum: ['alipay', 'wechat'],
      description: 'Whose code to show: Alipay (trade.precreate) or WeChat Pay (unifiedorder NATIVE).',
      'x-expected': 'alipay or wechat',
    },
    operatorId: sale.operatorId,
    reference: sale.reference,
    confirmDuplicate: {
      type: 'boolean',
      description:
        'The cashier confirms a second payment of the same customer and amount on this terminal within the duplicate window is meant (otherwise it is held and refunded).',
    },
  },
} as const;

const orderIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const walletParams = {
  type: 'object',
  additionalProperties: false,
  required: ['wallet'],
  properties: { wallet: { type: 'string', enum: [...wallets] } },
} as const;

const security = [{ apiKey: [] }];
const tags = ['qr-orders'];

const createErrors = {
  ...errorResponses.write,
  409: {
    ...errorView,
    description:
      "The key is in flight; or the terminal's previous code was paid (POS_ERR_QR_ORDER_EARLIER_PAID: that sale is approved, do not ask the customer to pay again), is not confirmed closed yet (POS_ERR_QR_ORDER_UNRESOLVED), or its scanned QR sale is unresolved. The key stays free.",
  },
} as const;

/** The answers of the notification route: the acknowledgement, or an error the wallet retries after. */
const notificationResponses = {
  200: {
    description:
      "Taken (or a verified notification that reports no payment): the wallet's own acknowledgement, Alipay's `success` or WeChat Pay's `<xml><return_code>SUCCESS</return_code>...</xml>`.",
    content: {
      'text/plain': { schema: { type: 'string' } },
      'text/xml': { schema: { type: 'string' } },
    },
  },
  400: {
    ...errorView,
    description:
      "Not the wallet's format, a signature that does not verify, another app or merchant (POS_ERR_WALLET_NOTIFICATION_INVALID); or a wallet name the API does not know. Nothing is stored.",
  },
  404: {
    ...errorView,
    description:
      'A verified notification for an order this host does not know (POS_ERR_WALLET_NOTIFICATION_UNKNOWN_ORDER).',
  },
  413: { ...errorView, description: 'The body is over 16 KiB (POS_ERR_HTTP_BODY_TOO_LARGE).' },
  429: {
    ...errorView,
    description:
      'Too many invalid notifications from this address in the last minute (POS_ERR_WALLET_NOTIFICATION_RATE_LIMITED); see Retry-After.',
  },
  ...errorResponses.public,
} as const;

export interface QrOrderRouteDeps {
  readonly engine: PaymentEngine;
  readonly clock: Pick<Clock, 'now'>;
  /** Invalid notifications an address may send per minute before it is held off; 0 turns it off. */
  readonly invalidNotificationsPerMinute?: number;
}

export function registerQrOrderRoutes(app: FastifyInstance, deps: QrOrderRouteDeps): void {
  registerCreateRoute(app, deps.engine);
  registerReadAndCancelRoutes(app, deps.engine);
  // Its own scope: the wallet's body is bytes in the wallet's format, not the API's JSON.
  void app.register((scope, _options, done) => {
    registerNotificationRoute(scope, deps);
    done();
  });
}

function registerCreateRoute(app: FastifyInstance, engine: PaymentEngine): void {
  app.post<{ Body: QrOrderBody }>(
    '/v1/qr-orders',
    {
      schema: {
        summary: 'Make a code for the terminal to show (a QR order)',
        description:
          "Precreates an order at the wallet and answers the content to show as a QR code (qrContent) and when it expires (expiresAt, two minutes). One open order per terminal: the terminal's open one is closed at the wallet first; if the customer had paid it, that sale is approved and this request refused (409 POS_ERR_QR_ORDER_EARLIER_PAID). The result comes by the wallet's notification: read it with GET /v1/qr-orders/{id}. Exactly once per Idempotency-Key; a replay answers the first answer again.",
        tags,
        security,
        headers: idempotencyKeyHeader,
        body: qrOrderBody,
        response: { 201: qrOrderView, ...createErrors },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await engine.createQrOrder({
        merchantId: merchantOf(request).id,
        terminalId: body.terminalId,
        idempotencyKey: idempotencyKeyOf(request),
        amount: body.amount,
        currency: body.currency,
        wallet: body.wallet,
        operatorId: body.operatorId ?? null,
        reference: body.reference ?? null,
        confirmDuplicate: body.confirmDuplicate ?? false,
      });
      if (result.kind !== 'answered') throw refusal(result);
      return sendAnswer(reply, result.answer, result.replayed);
    },
  );
}

function registerReadAndCancelRoutes(app: FastifyInstance, engine: PaymentEngine): void {
  app.get<{ Params: { id: string } }>(
    '/v1/qr-orders/:id',
    {
      schema: {
        summary: 'Read a QR order while the customer pays',
        description:
          'The order as it stands: pending (show qrContent), approved (paid), reversal_pending or reversed (closed: expired or cancelled; a payment that still arrives is refunded), declined, duplicate_suspected. An open order is asked about at the wallet at most once per its query interval (5 s), in case its notification is late; one past its expiry is closed now.',
        tags,
        security,
        params: orderIdParams,
        response: { 200: qrOrderView, ...errorResponses.read },
      },
    },
    async (request) =>
      paymentJson(toPaymentView(await engine.readQrOrder(merchantOf(request).id, request.params.id))),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/qr-orders/:id',
    {
      schema: {
        summary: 'Cancel a QR order (the cashier takes the code away)',
        description:
          'An open order is closed at the wallet through the reversal queue (reversal_pending, then reversed); if the customer paid it just before, it is approved instead and the answer says so. Any other order is answered as it stands. Safe to repeat.',
        tags,
        security,
        params: orderIdParams,
        response: { 200: qrOrderView, ...errorResponses.read },
      },
    },
    async (request) =>
      paymentJson(toPaymentView(await engine.cancelQrOrder(merchantOf(request).id, request.params.id))),
  );
}

function registerNotificationRoute(scope: FastifyInstance, deps: QrOrderRouteDeps): void {
  const invalidFrom = new AuthFailureLimit({
    maxFailures: deps.invalidNotificationsPerMinute ?? 20,
    windowMs: 60_000,
    maxAddresses: 10_000,
    clock: deps.clock,
  });
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  scope.post<{ Params: { wallet: Wallet } }>(
    '/v1/wallet-notifications/:wallet',
    {
      // No API key and no Idempotency-Key: the wallet's signature authenticates it, and its trade
      // number makes a repeat the same notification (http-app.ts reads `public`).
      config: { public: true },
      schema: {
        summary: "A wallet's payment notification (Alipay 异步通知, WeChat Pay 支付结果通知)",
        description:
          "Where the wallets post the result of a shown code (the providers' notifyUrl). The raw body is verified by the wallet's provider (signature, app and merchant); a notification is taken once per trade number, in any order with queries: a payment for an open order approves it, one for a closed or expired order is refunded and listed (GET /v1/duplicates). No API key: the signature is the authentication.",
        tags,
        params: walletParams,
        response: notificationResponses,
      },
    },
    async (request, reply) => {
      const retryAfterS = invalidFrom.retryAfterS(request.ip);
      if (retryAfterS !== undefined) {
        throw new PosError(
          'POS_ERR_WALLET_NOTIFICATION_RATE_LIMITED',
          `too many invalid wallet notifications from this address; retry after ${retryAfterS} s`,
          { details: { retryAfterS } },
        );
      }
      const taken = await takeNotification(deps.engine, request, invalidFrom);
      request.log.info(
        { wallet: request.params.wallet, effect: taken.effect, paymentId: taken.paymentId },
        'wallet notification taken',
      );
      return reply.status(200).type(taken.acknowledgement.contentType).send(taken.acknowledgement.body);
    },
  );
}

async function takeNotification(
  engine: PaymentEngine,
  request: FastifyRequest<{ Params: { wallet: Wallet } }>,
  invalidFrom: AuthFailureLimit,
) {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const contentType = request.headers['content-type'] ?? '';
  try {
    return await engine.takeWalletNotification(request.params.wallet, { body, contentType });
  } catch (error) {
    if (isPosError(error) && error.code === 'POS_ERR_WALLET_NOTIFICATION_INVALID') {
      invalidFrom.recordFailure(request.ip);
    }
    throw error;
  }
}
