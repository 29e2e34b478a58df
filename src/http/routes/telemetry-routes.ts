// The telemetry route (issue 14): a terminal's status report, `POST /v1/terminals/{id}/telemetry`,
// with the merchant's API key, idempotent by the report's own id (the Idempotency-Key every POST
// carries must be that id). The handler only translates: the engine checks and keeps the report
// (diagnostics/record-telemetry.ts), the same use case the ISO 8583 status upload reaches.
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isoTime } from '../../clock/clock.js';
import type { TelemetryReceipt } from '../../diagnostics/record-telemetry.js';
import type { PaymentEngine } from '../../payments/engine.js';
import { describeValue, PosError } from '../../pos-error.js';
import { idempotencyKeyOf, merchantOf } from '../request-context.js';
import { idempotencyKeyHeader, terminalParams } from '../schemas.js';
import { telemetryBody, telemetryErrors, telemetryReceipt } from '../telemetry-schemas.js';

function receiptJson(receipt: TelemetryReceipt) {
  const { stored } = receipt;
  return {
    reportId: stored.report.reportId,
    terminalId: stored.terminalId,
    at: isoTime(stored.report.at),
    receivedAt: isoTime(stored.receivedAt),
  };
}

/**
 * The schema's verdict on the body is left to the model (attachValidation), which gives the
 * telemetry codes; the path's and headers' are the API's like on every route.
 */
function refuseAllButBody(request: FastifyRequest): void {
  const error = request.validationError as (Error & { validationContext?: string }) | undefined;
  if (error !== undefined && error.validationContext !== 'body') throw error;
}

export function registerTelemetryRoutes(app: FastifyInstance, deps: { engine: PaymentEngine }): void {
  app.post<{ Params: { terminalId: string }; Body: unknown }>(
    '/v1/terminals/:terminalId/telemetry',
    {
      attachValidation: true,
      schema: {
        summary: "A terminal's status report (fleet diagnostics)",
        description:
          'Keeps what the terminal reports about itself. Idempotent by reportId: the same report again is answered as the first time (Idempotent-Replayed: true); another report under a used reportId is refused. At most 288 reports per terminal and day are kept.',
        tags: ['terminals'],
        security: [{ apiKey: [] }],
        headers: idempotencyKeyHeader,
        params: terminalParams,
        body: telemetryBody,
        response: { 201: telemetryReceipt, ...telemetryErrors },
      },
    },
    async (request, reply) => {
      refuseAllButBody(request);
      const merchant = merchantOf(request);
      const key = idempotencyKeyOf(request);
      const body = request.body as Record<string, unknown> | null;
      const reportId = typeof body === 'object' && body !== null ? body['reportId'] : undefined;
      if (typeof reportId === 'string' && key !== reportId) {
        // Two names for one report: which one a repeat would be known by would be a guess.
        throw PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', 'request headers', [
          {
            field: 'idempotency-key',
            expected: "the report's reportId",
            actual: describeValue(key),
          },
        ]);
      }
      const receipt = await deps.engine.recordTelemetry({
        merchantId: merchant.id,
        terminalId: request.params.terminalId,
        report: request.body,
        channel: 'http',
      });
      if (receipt.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(201).send(receiptJson(receipt));
    },
  );
}
