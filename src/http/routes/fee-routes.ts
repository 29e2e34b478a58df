// A merchant's fees over HTTP (issue 17): its fee plan (read, history, set) and its daily or
// monthly statements. Merchant-scoped like every route: the path names the merchant, and an API
// key reaches only its own merchant; another merchant's id is answered 404, as if it did not exist.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isoTime, type Clock } from '../../clock/clock.js';
import { setFeePlan } from '../../billing/fee-plan-admin.js';
import { validateFeePlan, planToFileJson } from '../../fees/index.js';
import { merchantStatement } from '../../billing/merchant-statement.js';
import type { Store } from '../../payments/ports/store.js';
import { PosError } from '../../pos-error.js';
import { merchantOf } from '../request-context.js';
import { errorResponses, errorView } from '../schemas.js';

const merchantParams = {
  type: 'object',
  additionalProperties: false,
  required: ['merchantId'],
  properties: { merchantId: { type: 'string', minLength: 1, maxLength: 15 } },
} as const;

const statementQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    day: { type: 'string', maxLength: 10, 'x-expected': 'a date YYYY-MM-DD' },
    month: { type: 'string', maxLength: 7, 'x-expected': 'a month YYYY-MM' },
    terminalId: { type: 'string', minLength: 1, maxLength: 8 },
  },
} as const;

const nullable = (type: string) => ({ type: [type, 'null'] }) as const;
const bilingual = {
  type: 'object',
  additionalProperties: false,
  required: ['zh', 'en'],
  properties: { zh: { type: 'string' }, en: { type: 'string' } },
} as const;
const figures = { type: 'object', additionalProperties: { type: 'integer' } } as const;

const feeLine = {
  type: 'object',
  additionalProperties: false,
  required: ['lineId', 'transactionId', 'day', 'lineKind', 'feeFen', 'planVersion', 'explanation'],
  properties: {
    lineId: { type: 'string' },
    transactionId: nullable('string'),
    terminalId: nullable('string'),
    day: { type: 'string' },
    lineKind: { type: 'string' },
    amountFen: nullable('integer'),
    feeFen: { type: 'integer', description: 'Signed fen: charged (> 0) or returned (< 0).' },
    planVersion: { type: 'integer' },
    originalId: nullable('string'),
    rateKey: nullable('string'),
    cardKind: nullable('string'),
    ratePpm: nullable('integer'),
    bound: nullable('string'),
    addOnFen: { type: 'integer' },
    unknownCard: { type: 'boolean' },
    aboveCappedFees: { type: 'boolean' },
    explanation: bilingual,
  },
} as const;

/** A daily or a monthly statement (docs/fees.md): `kind` says which fields it has. */
const statementView = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'merchantId', 'totals', 'lines', 'notices'],
  properties: {
    kind: { type: 'string', enum: ['daily', 'monthly'] },
    merchantId: { type: 'string' },
    terminalId: nullable('string'),
    day: { type: 'string' },
    month: { type: 'string' },
    planVersion: nullable('integer'),
    settlement: { type: 'string', enum: ['T+1', 'D0'] },
    settlementDate: { type: 'string' },
    totals: figures,
    planChargesFen: figures,
    netFen: { type: 'integer' },
    days: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['day', 'settlementDate', 'totals'],
        properties: { day: { type: 'string' }, settlementDate: { type: 'string' }, totals: figures },
      },
    },
    lines: { type: 'array', items: feeLine },
    notices: { type: 'array', items: bilingual },
  },
} as const;

const versionSummary = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'effectiveFrom', 'changedBy', 'changedAt'],
  properties: {
    version: { type: 'integer' },
    effectiveFrom: { type: 'string' },
    changedBy: { type: 'string' },
    changedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const planFile = {
  type: 'object',
  additionalProperties: true,
  description: 'A fee plan file, format posguard-fee-plan/1 (docs/fees.md).',
} as const;

const planView = {
  type: 'object',
  additionalProperties: false,
  required: ['merchantId', 'version', 'effectiveFrom', 'changedBy', 'changedAt', 'plan'],
  properties: { ...versionSummary.properties, merchantId: { type: 'string' }, plan: planFile },
} as const;

/** Every version of the plan, oldest first. */
const planHistoryView = {
  type: 'object',
  additionalProperties: false,
  required: ['merchantId', 'versions'],
  properties: {
    merchantId: { type: 'string' },
    versions: { type: 'array', items: versionSummary },
  },
} as const;

/** What setting a plan appended, and the version now current. */
const planSetView = {
  type: 'object',
  additionalProperties: false,
  required: ['merchantId', 'appended', 'version'],
  properties: {
    merchantId: { type: 'string' },
    appended: { type: 'array', items: { type: 'integer' } },
    version: { type: 'integer' },
  },
} as const;

const refusal = (description: string) => ({ ...errorView, description });
const feeReads = {
  ...errorResponses.read,
  404: refusal(
    'No such merchant for this API key, it has no fee plan (POS_ERR_FEES_NO_PLAN_VERSION), or no such terminal (POS_ERR_FEES_TERMINAL_NOT_FOUND).',
  ),
  422: refusal('The stored transactions cannot be priced, or the period holds too many.'),
} as const;
const feeWrites = {
  ...errorResponses.write,
  404: refusal('No such merchant for this API key.'),
  422: refusal(
    'The plan overlaps, rewrites the past or is below cost without belowCost: true; every problem listed.',
  ),
} as const;

/** The path's merchant, when it is the API key's; 404 otherwise (another merchant is not revealed). */
function ownMerchant(request: FastifyRequest<{ Params: { merchantId: string } }>): string {
  const own = merchantOf(request).id;
  if (request.params.merchantId !== own) {
    throw new PosError('POS_ERR_FEES_MERCHANT_NOT_FOUND', 'no such merchant for this API key', {
      details: {},
    });
  }
  return own;
}

type MerchantRoute = { Params: { merchantId: string } };
interface FeeRouteDeps {
  store: Store;
  clock: Pick<Clock, 'now'>;
}

export function registerFeeRoutes(app: FastifyInstance, deps: FeeRouteDeps): void {
  registerFeePlanReadRoutes(app, deps.store);
  registerFeePlanWriteRoute(app, deps);
  registerStatementRoute(app, deps);
}

/** The merchant's fee plan as it stands, and every version it has had. */
function registerFeePlanReadRoutes(app: FastifyInstance, store: Store): void {
  app.get<MerchantRoute>(
    '/v1/merchants/:merchantId/fee-plan',
    {
      schema: {
        summary: "The merchant's fee plan, as of its latest version",
        tags: ['fees'],
        security: [{ apiKey: [] }],
        params: merchantParams,
        response: { 200: planView, ...feeReads },
      },
    },
    async (request) => {
      const merchantId = ownMerchant(request);
      const stored = await store.read((r) => r.getFeePlan(merchantId));
      if (stored === undefined) {
        throw new PosError('POS_ERR_FEES_NO_PLAN_VERSION', `merchant ${merchantId} has no fee plan`, {
          details: { merchantId },
        });
      }
      return {
        merchantId,
        version: stored.version,
        effectiveFrom: stored.effectiveFrom,
        changedBy: stored.changedBy,
        changedAt: isoTime(stored.changedAt),
        plan: planToFileJson(stored.plan),
      };
    },
  );

  app.get<MerchantRoute>(
    '/v1/merchants/:merchantId/fee-plan/history',
    {
      schema: {
        summary: "Every version of the merchant's fee plan, oldest first",
        tags: ['fees'],
        security: [{ apiKey: [] }],
        params: merchantParams,
        response: { 200: planHistoryView, ...feeReads },
      },
    },
    async (request) => {
      const merchantId = ownMerchant(request);
      const versions = await store.read((r) => r.listFeePlanVersions(merchantId));
      return {
        merchantId,
        versions: versions.map((v) => ({
          version: v.version,
          effectiveFrom: v.effectiveFrom,
          changedBy: v.changedBy,
          changedAt: isoTime(v.changedAt),
        })),
      };
    },
  );
}

/** Setting the plan: the stored versions must come back unchanged, the new ones are appended. */
function registerFeePlanWriteRoute(app: FastifyInstance, deps: FeeRouteDeps): void {
  app.put<MerchantRoute & { Body: unknown }>(
    '/v1/merchants/:merchantId/fee-plan',
    {
      schema: {
        summary: "Sets the merchant's fee plan: the stored versions unchanged, new ones appended",
        description:
          'The body is the whole plan file (as GET .../fee-plan returns in `plan`). Versions already stored must come back unchanged; the ones after them are appended, each starting after today. A version below the 2016 ceilings needs `belowCost: true`. Nothing is stored when anything is refused.',
        tags: ['fees'],
        security: [{ apiKey: [] }],
        params: merchantParams,
        body: planFile,
        response: { 200: planSetView, ...feeWrites },
      },
    },
    async (request) => {
      const merchantId = ownMerchant(request);
      const plan = validateFeePlan(request.body);
      const result = await setFeePlan(deps.store, {
        merchantId,
        plan,
        changedBy: `api:${merchantId}`,
        belowCost: false,
        nowMs: deps.clock.now(),
      });
      return { merchantId, appended: result.appended, version: result.current.version };
    },
  );
}

/** A daily or a monthly statement, priced from the stored transactions. */
function registerStatementRoute(app: FastifyInstance, deps: FeeRouteDeps): void {
  app.get<MerchantRoute & { Querystring: { day?: string; month?: string; terminalId?: string } }>(
    '/v1/merchants/:merchantId/statements',
    {
      schema: {
        summary: 'A daily (?day=YYYY-MM-DD) or monthly (?month=YYYY-MM) settlement statement',
        description:
          "Sales, voids, refunds, reversals, gross, fees by kind, net to be paid and the settlement date; every line with its transaction id and an explanation in zh-CN and en. `terminalId` gives one terminal's statement: its transactions and, in a month, its device and SIM fees (the activation fee, its refund and the annual fee are the merchant's).",
        tags: ['fees'],
        security: [{ apiKey: [] }],
        params: merchantParams,
        querystring: statementQuery,
        response: { 200: statementView, ...feeReads },
      },
    },
    async (request) => {
      const merchantId = ownMerchant(request);
      const { day, month, terminalId } = request.query;
      if ((day === undefined) === (month === undefined)) {
        throw PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', 'request querystring', [
          {
            field: day === undefined ? 'day' : 'month',
            expected: 'exactly one of day and month',
            actual: Object.keys(request.query).join(', ') || 'nothing',
          },
        ]);
      }
      return deps.store.read((r) =>
        merchantStatement(r, {
          merchantId,
          period: day !== undefined ? { day } : { month: month ?? '' },
          nowMs: deps.clock.now(),
          ...(terminalId === undefined ? {} : { terminalId }),
        }),
      );
    },
  );
}
