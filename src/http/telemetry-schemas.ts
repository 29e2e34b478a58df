// JSON schemas of the telemetry route (issue 14), written from the model's own limits
// (diagnostics/telemetry.ts). The request schema documents the report in /openapi.json; the model,
// not this schema, decides what is accepted (so the ISO door, which has no schema, accepts exactly
// the same reports, and a bad report gets the telemetry codes). A test checks the two agree.
import { networkTypes, telemetryLimits } from '../diagnostics/telemetry.js';
import { errorView } from './schemas.js';

const { maxCount } = telemetryLimits;

const count = (description: string) =>
  ({
    type: 'integer',
    minimum: 0,
    maximum: maxCount,
    description: `${description} since the last report.`,
  }) as const;

const text = (description: string) =>
  ({
    type: 'string',
    minLength: 1,
    maxLength: telemetryLimits.textMaxLength,
    pattern: telemetryLimits.textPattern.source,
    description: `${description}: 1 to ${telemetryLimits.textMaxLength} printable ASCII characters, no space at either end, no card number.`,
  }) as const;

const object = <P extends Record<string, unknown>, R extends readonly (keyof P & string)[]>(
  properties: P,
  required: R,
) => ({ type: 'object', additionalProperties: false, required, properties }) as const;

export const telemetryBody = {
  ...object(
    {
      reportId: {
        type: 'string',
        pattern: telemetryLimits.reportIdPattern.source,
        description:
          "The terminal's name for this report, 1 to 64 letters, digits, ., _, : or -: its idempotency key. Send the same value in the Idempotency-Key header.",
      },
      at: {
        type: 'string',
        format: 'date-time',
        description:
          'When the terminal made the report, ISO 8601 with an offset. At most 5 minutes ahead of the host, at most 6 days old.',
      },
      softwareVersion: text("The terminal application's version"),
      firmwareVersion: text("The terminal's firmware version"),
      cardReader: object(
        {
          errors: count('Card reads that failed'),
          doubleReadsSuppressed: count('Second reads of one card within the double-read window, ignored,'),
        },
        ['errors', 'doubleReadsSuppressed'],
      ),
      printer: object(
        { paperOut: count('Prints stopped for want of paper'), headErrors: count('Print head faults') },
        ['paperOut', 'headErrors'],
      ),
      reboots: count('Restarts'),
      crashes: count('Restarts after the application stopped unexpectedly'),
      network: object(
        {
          type: { type: 'string', enum: [...networkTypes] },
          carrier: text('The mobile carrier, for 3g, 4g and 5g only (required there)'),
          signalDbm: {
            type: 'integer',
            minimum: telemetryLimits.minSignalDbm,
            maximum: telemetryLimits.maxSignalDbm,
            description: 'Signal strength in dBm, when known; never for ethernet.',
          },
        },
        ['type'],
      ),
      offline: object(
        {
          periods: count('Periods the host could not be reached'),
          seconds: {
            type: 'integer',
            minimum: 0,
            maximum: telemetryLimits.maxOfflineSeconds,
            description: 'Their total length in whole seconds (0 when periods is 0).',
          },
        },
        ['periods', 'seconds'],
      ),
      batteryPercent: {
        type: 'integer',
        minimum: 0,
        maximum: 100,
        description: 'Battery charge; absent for a terminal on mains power.',
      },
    },
    [
      'reportId',
      'at',
      'softwareVersion',
      'firmwareVersion',
      'cardReader',
      'printer',
      'reboots',
      'crashes',
      'network',
      'offline',
    ],
  ),
  description:
    'A status report: counts since the last accepted report, the network and battery now. A bad report is refused with POS_ERR_TELEMETRY_INVALID (every problem listed) or POS_ERR_TELEMETRY_BAD_TIME; nothing of it is stored.',
} as const;

export const telemetryReceipt = object(
  {
    reportId: { type: 'string' },
    terminalId: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    receivedAt: {
      type: 'string',
      format: 'date-time',
      description: 'When the host first stored the report.',
    },
  },
  ['reportId', 'terminalId', 'at', 'receivedAt'],
);

const errorAnswer = (description: string) => ({ ...errorView, description });

/** The statuses the route answers besides 201, each with what it means here. */
export const telemetryErrors = {
  400: errorAnswer(
    'The report (POS_ERR_TELEMETRY_INVALID), the path or the Idempotency-Key (not the reportId) is wrong; every problem is listed.',
  ),
  401: errorAnswer('No API key, or one that matches no merchant.'),
  403: errorAnswer(
    "An operations key (POS_ERR_AUTH_MERCHANT_KEY_REQUIRED): a terminal's report is sent with its merchant's API key.",
  ),
  404: errorAnswer('No such route.'),
  409: errorAnswer(
    'The terminal sent another report under this reportId (POS_ERR_TELEMETRY_REPORT_CONFLICT).',
  ),
  413: errorAnswer('The body is over 16 KiB (POS_ERR_HTTP_BODY_TOO_LARGE).'),
  415: errorAnswer('The body is not application/json (POS_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE).'),
  422: errorAnswer(
    "The terminal is not one of this merchant's (POS_ERR_PAYMENT_UNKNOWN_TERMINAL), or the report's time is ahead of the host or too old (POS_ERR_TELEMETRY_BAD_TIME).",
  ),
  429: errorAnswer(
    "The terminal's reports of the day are at the cap (POS_ERR_TELEMETRY_DAILY_LIMIT), or too many wrong API keys came from this address; Retry-After says when to send again.",
  ),
  500: errorAnswer('The host failed unexpectedly (POS_ERR_HTTP_INTERNAL); send the same report again.'),
  503: errorAnswer('The store is unavailable or the host is shutting down; send the same report again.'),
} as const;
