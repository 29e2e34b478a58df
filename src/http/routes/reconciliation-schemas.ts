// The JSON schemas of the reconciliation run routes (issue 15): the run as the API shows it, its
// exceptions, and the multipart request that starts it (for the OpenAPI document only: the parts
// are read as streams, see reconciliation-runs/upload.ts).
import { actions, causes, exceptionKinds } from '../../reconciliation/index.js';
import { errorResponses, errorView } from '../schemas.js';
import { settlementFormats } from '../reconciliation-runs/upload.js';

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const exact = (properties: Record<string, unknown>) =>
  ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties }) as const;
const perKind = exact(Object.fromEntries(exceptionKinds.map((k) => [k, { type: 'integer' }])));
const sized = exact({ name: { type: 'string' }, bytes: { type: 'integer' } });
const sourceProgress = exact({
  rows: { type: 'integer' },
  bytesRead: { type: 'integer' },
  bytes: { type: ['integer', 'null'], description: 'The file size; null for a day read from the store.' },
});

export const runView = exact({
  id: { type: 'string' },
  state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] },
  phase: {
    type: 'string',
    enum: ['queued', 'exporting', 'reading', 'writing', 'done'],
    description: 'exporting: the day read from the store; reading: the files read and matched.',
  },
  percent: { type: 'integer', minimum: 0, maximum: 100, description: 'How far the run is, roughly.' },
  createdAt: { type: 'string', format: 'date-time' },
  startedAt: { type: ['string', 'null'], format: 'date-time' },
  finishedAt: { type: ['string', 'null'], format: 'date-time' },
  owner: exact({
    role: { type: 'string', enum: ['merchant', 'operations'] },
    merchantId: { type: ['string', 'null'] },
  }),
  inputs: exact({
    settlement: sized,
    host: {
      oneOf: [
        exact({ kind: { const: 'upload' }, name: { type: 'string' }, bytes: { type: 'integer' } }),
        exact({
          kind: { const: 'store' },
          day: { type: 'string' },
          merchantId: { type: ['string', 'null'] },
        }),
      ],
    },
    terminal: nullable(sized),
    format: { type: 'string', enum: [...settlementFormats] },
    profileName: { type: ['string', 'null'] },
  }),
  progress: exact({ host: sourceProgress, settlement: sourceProgress, terminal: sourceProgress }),
  summary: nullable(
    exact({
      hostRows: { type: 'integer' },
      terminalRows: { type: 'integer' },
      settlementRows: { type: 'integer' },
      matched: { type: 'integer' },
      exceptions: perKind,
      amounts: { ...perKind, description: 'The money at stake per kind, in fen.' },
      settledAmountMinor: { type: 'integer' },
      feesMinor: { type: 'integer' },
      duplicateWindowS: { type: 'integer' },
    }),
  ),
  findings: nullable(
    exact({
      stored: { type: 'integer' },
      alreadyStored: { type: 'integer' },
    }),
  ),
  error: nullable(
    exact({
      code: { type: 'string' },
      message: { type: 'string' },
      file: { type: ['string', 'null'] },
      line: { type: ['integer', 'null'] },
      column: { type: ['string', 'null'] },
    }),
  ),
});

export const runListView = exact({ data: { type: 'array', items: runView } });

const exceptionView = exact({
  kind: { type: 'string', enum: [...exceptionKinds] },
  cause: { type: 'string', enum: [...causes] },
  action: { type: 'string', enum: [...actions] },
  merchantId: { type: 'string' },
  terminalId: { type: 'string' },
  batchNo: { type: 'string' },
  stan: { type: 'string' },
  rrn: { type: 'string' },
  relatedRrn: { type: 'string' },
  hostAmountMinor: { type: ['integer', 'null'] },
  settledAmountMinor: { type: ['integer', 'null'] },
  detail: { type: 'string', description: 'What was found, in English, as exceptions.csv has it.' },
});

export const exceptionPageView = exact({
  data: { type: 'array', items: exceptionView },
  total: { type: 'integer', description: 'Exceptions of the kind asked for (or of all kinds) in the run.' },
  held: {
    type: 'integer',
    description: 'How many of them the API holds (the first of each kind); exceptions.csv has them all.',
  },
  offset: { type: 'integer' },
});

export const runParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, 'x-expected': 'a run id (rcr_...)' } },
} as const;

export const runListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    merchantId: { type: 'string', minLength: 1, maxLength: 15, 'x-expected': 'a merchant id' },
  },
} as const;

export const exceptionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: [...exceptionKinds] },
    offset: { type: 'string', pattern: '^[0-9]{1,7}$', 'x-expected': 'a whole number' },
    limit: {
      type: 'string',
      pattern: '^(?:[1-9][0-9]?|[1-4][0-9]{2}|500)$',
      'x-expected': 'a whole number from 1 to 500',
    },
  },
} as const;

const filePart = (description: string) => ({ type: 'string', format: 'binary', description });

/** The multipart body of POST /v1/reconciliation-runs, as the document shows it. */
export const runUploadBody = {
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['settlement'],
        properties: {
          settlement: filePart(
            "The acquirer's settlement file (v1 CSV), a wallet's daily bill (format alipay or wechat), or an acquirer's own layout (format profile).",
          ),
          hostJournal: filePart('The host journal, v1 CSV; or leave it out and give day.'),
          terminalJournal: filePart(
            'The terminal journal, v1 CSV (optional: without it the terminal kinds are skipped).',
          ),
          profileFile: filePart('A mapping profile (JSON, at most 1 MiB), with format profile.'),
          format: { type: 'string', enum: [...settlementFormats], default: 'v1' },
          walletMerchant: { type: 'string', description: 'With alipay or wechat: whose bill it must be.' },
          walletApp: { type: 'string', description: 'With wechat: the app id every line must name.' },
          day: {
            type: 'string',
            description:
              "Instead of hostJournal: this day's host journal (China time, YYYY-MM-DD) read from the host's store; duplicates found are kept for GET /v1/duplicates.",
          },
          merchantId: {
            type: 'string',
            description: "With day, for operations: one merchant's journal (all merchants without it).",
          },
          duplicateWindowS: {
            type: 'string',
            description: "Seconds, 0 to 86400; the merchant's own window (or 120) by default.",
          },
        },
      },
    },
  },
} as const;

const runErrors = {
  ...errorResponses.read,
  404: {
    ...errorView,
    description: 'No such run for this caller (POS_ERR_RECON_RUN_NOT_FOUND), or no such merchant.',
  },
} as const;

export const runReadErrors = runErrors;

export const runCreateErrors = {
  ...runErrors,
  409: { ...errorView, description: 'The key is in flight.' },
  413: {
    ...errorView,
    description:
      'A file is larger than an upload may be (POS_ERR_RECON_UPLOAD_TOO_LARGE), named in the message.',
  },
  415: { ...errorView, description: 'The body is not multipart/form-data.' },
  422: {
    ...errorView,
    description: 'The Idempotency-Key started another run (POS_ERR_IDEMPOTENCY_KEY_REUSED).',
  },
  429: {
    ...errorView,
    description:
      'Too many runs queued or running (POS_ERR_RECON_RUNS_BUSY), or too many wrong API keys; see Retry-After.',
  },
} as const;

export const exceptionErrors = {
  ...runErrors,
  409: { ...errorView, description: 'The run has not succeeded (POS_ERR_RECON_RUN_NOT_READY).' },
} as const;
