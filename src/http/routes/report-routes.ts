// Read-only routes for people and machines watching the host: suspected duplicates and their
// resolution (prevented at authorisation, or found after the fact by reconciliation), health, and
// Prometheus metrics.
import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { isoTime } from '../../clock/clock.js';
import type { PaymentEngine } from '../../payments/engine.js';
import { describeValue, PosError } from '../../pos-error.js';
import type { DuplicateRecord, DuplicateSource } from '../../payments/ports/duplicate-store.js';
import type { Store } from '../../payments/ports/store.js';
import { merchantOf } from '../request-context.js';
import { duplicateListQuery, duplicateView, errorResponses } from '../schemas.js';

const healthView = {
  type: 'object',
  additionalProperties: false,
  required: ['status', 'store'],
  properties: { status: { type: 'string', enum: ['ok', 'unavailable'] }, store: { type: 'string' } },
} as const;

/** A duplicate record as the API writes it (also in a payment's history, insight-routes.ts). */
export function toDuplicateView(d: DuplicateRecord) {
  return {
    id: d.id,
    source: d.source,
    resolution: d.resolution,
    terminalId: d.terminalId,
    paymentId: d.paymentId,
    duplicateOf: d.duplicateOf,
    amount: d.amount,
    operatorId: d.operatorId,
    confirmedPaymentId: d.confirmedPaymentId,
    kind: d.kind,
    cause: d.cause,
    rrn: d.rrn,
    relatedRrn: d.relatedRrn,
    detail: d.detail,
    detectedAt: isoTime(d.detectedAt),
    resolvedAt: d.resolvedAt === null ? null : isoTime(d.resolvedAt),
  };
}

interface ReportRouteDeps {
  engine: PaymentEngine;
  store: Store;
  registry: Registry;
}

export function registerReportRoutes(app: FastifyInstance, deps: ReportRouteDeps): void {
  registerDuplicateRoutes(app, deps.engine);
  registerOperationsRoutes(app, deps.store, deps.registry);
}

/** `GET /v1/duplicates`: the merchant's suspected duplicates, newest first. */
function registerDuplicateRoutes(app: FastifyInstance, engine: PaymentEngine): void {
  app.get<{ Querystring: { source?: DuplicateSource; limit?: string } }>(
    '/v1/duplicates',
    {
      schema: {
        summary: 'Suspected duplicates and their resolution',
        description:
          'Those prevented at authorisation (held for confirmation, blocked, flagged or confirmed by an operator) and those found after the fact by reconciliation.',
        tags: ['duplicates'],
        security: [{ apiKey: [] }],
        querystring: duplicateListQuery,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['data'],
            properties: { data: { type: 'array', items: duplicateView } },
          },
          ...errorResponses.read,
        },
      },
    },
    async (request) => {
      const limit = request.query.limit === undefined ? 100 : Number(request.query.limit);
      if (limit < 1 || limit > 500) {
        throw PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', 'request querystring', [
          {
            field: 'limit',
            expected: 'a whole number from 1 to 500',
            actual: describeValue(request.query.limit),
          },
        ]);
      }
      const duplicates = await engine.listDuplicates({
        merchantId: merchantOf(request).id,
        limit,
        ...(request.query.source !== undefined ? { source: request.query.source } : {}),
      });
      return { data: duplicates.map(toDuplicateView) };
    },
  );
}

/** Health and metrics: public, for load balancers and Prometheus rather than merchants. */
function registerOperationsRoutes(app: FastifyInstance, store: Store, registry: Registry): void {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        summary: 'Liveness and store reachability',
        tags: ['operations'],
        response: { 200: healthView, 500: errorResponses.public[500], 503: healthView },
      },
    },
    async (_request, reply) => {
      try {
        await store.read((reader) => reader.countReversals('queued'));
        return { status: 'ok', store: store.kind };
      } catch {
        return reply.status(503).send({ status: 'unavailable', store: store.kind });
      }
    },
  );

  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: { summary: 'Prometheus metrics', tags: ['operations'], produces: ['text/plain'] },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
