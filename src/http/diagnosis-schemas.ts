// JSON schemas of `GET /v1/diagnostics` (issue 14): its query and its answer, the shape
// `posguard diagnose --json` prints plus a `summary` per finding in the language asked for.
// docs/diagnostics.md explains every field.
import { causes, subjectKinds } from '../diagnostics/measures.js';
import { networkTypes } from '../diagnostics/telemetry.js';
import { errorResponses } from './schemas.js';

const nullable = (type: 'string' | 'number' | 'integer') => ({ type: [type, 'null'] }) as const;

function exact<P extends Record<string, unknown>>(properties: P) {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties) as (keyof P & string)[],
    properties,
  } as const;
}

const dayOrTime = {
  type: 'string',
  maxLength: 40,
  'x-expected': 'a day such as 2026-11-25 (China Standard Time) or a time such as 2026-11-25T14:00:00+08:00',
} as const;

export const diagnosisQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { ...dayOrTime, description: 'First day or start time (default: 7 days before `to`).' },
    to: { ...dayOrTime, description: 'Last day (inclusive) or end time (exclusive); default now.' },
    lang: {
      type: 'string',
      enum: ['zh-CN', 'en'],
      description: "The language of each finding's `summary` (default en); `remedy` always has both.",
    },
    significance: {
      type: 'string',
      pattern: '^0?\\.[0-9]{1,6}$',
      'x-expected': 'a number from 0.000001 to 0.2, such as 0.01',
      description: 'The false discovery rate of findings (default 0.01).',
    },
  },
} as const;

const providerService = exact({
  provider: { type: 'string' },
  calls: { type: 'integer' },
  availability: nullable('number'),
  latencyMsP50: nullable('integer'),
  latencyMsP95: nullable('integer'),
});

const subject = exact({
  kind: { type: 'string', enum: [...subjectKinds] },
  id: { type: 'string' },
  merchantId: nullable('string'),
  terminalId: nullable('string'),
  operatorId: nullable('string'),
  networkType: { type: ['string', 'null'], enum: [...networkTypes, null] },
  carrier: nullable('string'),
  provider: nullable('string'),
});

const finding = exact({
  subject,
  measure: { type: 'string' },
  cause: { type: 'string', enum: [...causes] },
  priority: { type: 'string', enum: ['high', 'medium', 'low'] },
  remedy: exact({ zh: { type: 'string' }, en: { type: 'string' } }),
  summary: { type: 'string', description: 'The remedy in the language asked for.' },
  evidence: exact({
    events: { type: 'integer' },
    exposure: { type: 'integer' },
    exposureUnit: {
      type: 'string',
      enum: ['sales', 'card_sales', 'report_hours', 'upstream_calls', 'reversals'],
    },
    rate: { type: 'number' },
    fleetRate: { type: 'number' },
    baselineRate: { type: 'number' },
    expected: { type: 'number' },
    pValue: { type: 'number' },
    qValue: { type: 'number' },
    transactionIds: { type: 'array', items: { type: 'string' } },
    details: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    from: { type: 'string' },
    to: { type: 'string' },
  }),
  cost: exact({
    duplicatesPrevented: { type: 'integer' },
    duplicatesAtRisk: { type: 'integer' },
    feesAtRiskFen: nullable('integer'),
  }),
  service: { anyOf: [providerService, { type: 'null' }] },
});

export const diagnosisView = exact({
  from: { type: 'string' },
  to: { type: 'string' },
  merchantId: {
    ...nullable('string'),
    description: 'The merchant whose own traffic was diagnosed; null for the fleet.',
  },
  settings: exact({
    significance: { type: 'number' },
    minExposure: { type: 'integer' },
    minEvents: { type: 'integer' },
    minRatio: { type: 'number' },
    maxEvidence: { type: 'integer' },
  }),
  subjects: exact(
    Object.fromEntries(subjectKinds.map((k) => [k, { type: 'integer' }])) as Record<
      (typeof subjectKinds)[number],
      { type: 'integer' }
    >,
  ),
  tests: { type: 'integer' },
  rowsRead: { type: 'integer' },
  fleetNewestSoftware: nullable('string'),
  fleetRates: {
    type: 'array',
    items: exact({
      measure: { type: 'string' },
      events: { type: 'integer' },
      exposure: { type: 'integer' },
      rate: { type: 'number' },
      subjects: { type: 'integer' },
    }),
  },
  providers: { type: 'array', items: providerService },
  findings: { type: 'array', items: finding },
});

export const diagnosisErrors = {
  ...errorResponses.read,
  400: {
    ...errorResponses.read[400],
    description:
      'The query does not match the API, or the period is reversed or longer than 92 days (POS_ERR_DIAGNOSIS_INVALID_PERIOD); every problem is listed.',
  },
  422: {
    ...errorResponses.read[400],
    description:
      'The period holds more rows than one diagnosis reads (POS_ERR_DIAGNOSIS_TOO_MANY_ROWS): ask for a shorter one.',
  },
} as const;
