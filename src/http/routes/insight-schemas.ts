// The JSON schemas of the dashboard's read routes (insight-routes.ts): what they take and answer,
// as the OpenAPI document shows them and the HTTP tests check every answer against.
import { chargeCounts, verdictCauses } from '../../insight/duplicate-verdict.js';
import { duplicateView, paymentView } from '../schemas.js';

const nullable = (type: string) => ({ type: [type, 'null'] }) as const;
const count = { type: 'integer', minimum: 0 } as const;

function exact<P extends Record<string, unknown>>(properties: P) {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
  } as const;
}

/** `merchantId` in a query: operations name one merchant; a merchant may only name itself. */
export const merchantIdQuery = {
  type: 'string',
  minLength: 1,
  maxLength: 15,
  description:
    "Operations: one merchant's data (every merchant's without it). A merchant's key or session reaches its own only: another merchant's id is answered 404.",
  'x-expected': 'a merchant id',
} as const;

export const overviewQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['day'],
  properties: {
    day: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', 'x-expected': 'a date YYYY-MM-DD' },
    merchantId: merchantIdQuery,
  },
} as const;

/** The query of the reads operations may make fleet-wide: one merchant, or every one without it. */
export const merchantScopeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { merchantId: merchantIdQuery },
} as const;

export const merchantListView = exact({
  data: { type: 'array', items: exact({ id: { type: 'string' }, name: { type: 'string' } }) },
});

export const overviewView = exact({
  day: { type: 'string' },
  sales: exact({ count, approved: count, declined: count, amountApproved: count }),
  byHour: { type: 'array', minItems: 24, maxItems: 24, items: exact({ hour: count, count, amount: count }) },
  duplicatesPrevented: exact({
    total: count,
    byCause: exact({
      awaiting_confirmation: count,
      blocked: count,
      confirmed: count,
      flagged: count,
      found_after_the_fact: count,
    }),
  }),
  openReversals: exact({ pending: count, failed: count }),
  alerts: {
    type: 'array',
    items: exact({
      kind: {
        type: 'string',
        enum: ['reversal_failed', 'reversal_pending', 'awaiting_confirmation', 'reconciliation_duplicate'],
      },
      count,
      paymentIds: { type: 'array', items: { type: 'string' } },
    }),
  },
});

const journalEntry = exact({
  paymentId: nullable('string'),
  at: { type: 'string', format: 'date-time' },
  event: { type: 'string' },
  fromStatus: nullable('string'),
  toStatus: nullable('string'),
  data: {
    type: 'object',
    additionalProperties: true,
    description: 'The facts the journal kept (never card data).',
  },
});

const reversalEntry = exact({
  paymentId: { type: 'string' },
  state: { type: 'string', enum: ['queued', 'done', 'failed'] },
  reason: { type: 'string' },
  attempts: count,
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
});

export const paymentHistoryView = exact({
  merchantId: { type: 'string', description: "The payment's merchant." },
  payment: paymentView,
  children: { type: 'array', items: paymentView },
  journal: { type: 'array', items: journalEntry },
  reversals: { type: 'array', items: reversalEntry },
  duplicates: { type: 'array', items: duplicateView },
});

const bilingual = exact({ zh: { type: 'string' }, en: { type: 'string' } });

const paymentRef = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[\\x21-\\x7e]+$',
  'x-expected': 'a payment id or a 12-digit RRN',
} as const;

export const duplicateCheckQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['first', 'second'],
  properties: { first: paymentRef, second: paymentRef },
} as const;

export const duplicateAnswerView = exact({
  charged: { type: 'string', enum: [...chargeCounts] },
  cause: { type: 'string', enum: [...verdictCauses] },
  explanation: bilingual,
  evidence: { type: 'array', items: bilingual },
  merchantId: { type: 'string' },
  generatedAt: { type: 'string', format: 'date-time' },
  first: paymentHistoryView,
  second: paymentHistoryView,
});

const telemetryView = exact({
  lastReportAt: { type: 'string', format: 'date-time' },
  reports: count,
  hours: count,
  softwareVersion: { type: 'string' },
  firmwareVersion: { type: 'string' },
  networkType: { type: 'string' },
  carrier: nullable('string'),
  signalDbm: nullable('integer'),
  batteryMin: nullable('integer'),
  readerErrors: count,
  paperOut: count,
  printerHeadErrors: count,
  reboots: count,
  crashes: count,
  offlineSeconds: count,
});

export const terminalListView = exact({
  data: {
    type: 'array',
    items: exact({
      merchantId: { type: 'string' },
      terminalId: { type: 'string' },
      signedIn: { type: 'boolean' },
      createdAt: { type: 'string', format: 'date-time' },
      lastPaymentAt: nullable('string'),
      lastSeenAt: nullable('string'),
      telemetry: { oneOf: [telemetryView, { type: 'null' }] },
    }),
  },
});
