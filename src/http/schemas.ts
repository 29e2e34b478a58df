// JSON schemas of the HTTP API. They validate requests (with every problem reported at once), and
// the OpenAPI document at /openapi.json is generated from them, so the docs cannot drift from what
// the server accepts. `x-expected` says in words what a field takes, for error messages.
import { currencies, maxAmountMinor } from '../money/money.js';
import { maxPanLength, minPanLength } from '../cards/card.js';
import { entryModes, paymentKinds, paymentStatuses, reversalReasons } from '../payments/payment.js';
import { walletCodeRules } from '../payments/payment-code.js';
import { wallets } from '../payments/ports/wallet.js';

/** What free text must be: the same rule the engine applies on both doors (cards/card-in-text.ts). */
const freeTextExpected = 'plain text without control characters and without a card number or payment code';

export const idempotencyKeyHeader = {
  type: 'object',
  required: ['idempotency-key'],
  properties: {
    'idempotency-key': {
      type: 'string',
      minLength: 1,
      // 255 characters, or a structured-field string of them in quotes with \" and \\ escapes.
      maxLength: 2 * 255 + 2,
      pattern: '^[\\x20-\\x7e]+$',
      'x-free-text': true,
      description:
        'Required on every POST. Names this request: 1 to 255 printable ASCII characters holding no card number ' +
        '(a structured-field string in double quotes is accepted too). ' +
        'A repeat with the same key and body gets the stored answer with Idempotent-Replayed: true.',
    },
  },
} as const;

const operatorId = {
  type: 'string',
  minLength: 1,
  maxLength: 16,
  pattern: '^[A-Za-z0-9 _-]+$',
  'x-free-text': true,
  'x-expected': '1 to 16 letters, digits, spaces, _ or -, holding no card number',
} as const;

/** A terminal id as registered: 1 to 8 letters or digits. */
const terminalIdText = {
  type: 'string',
  minLength: 1,
  maxLength: 8,
  pattern: '^[A-Za-z0-9]+$',
  'x-expected': 'a terminal id (1 to 8 letters or digits)',
} as const;

/** `limit` of a list: a whole number from 1 to 500, as text (it comes in the query string). */
const listLimit = {
  type: 'string',
  pattern: '^(?:[1-9][0-9]?|[1-4][0-9]{2}|500)$',
  'x-expected': 'a whole number from 1 to 500',
} as const;

/** What a payment code takes, in words: the wallets' own rules (payments/payment-code.ts). */
const paymentCodeExpected = walletCodeRules
  .map((rule) =>
    rule.minLength === rule.maxLength
      ? `${rule.name} ${rule.minLength} digits starting ${rule.prefixes[0]}${rule.prefixes[1] === rule.prefixes[0] ? '' : `-${rule.prefixes[1]}`}`
      : `${rule.name} ${rule.minLength}-${rule.maxLength} digits starting ${rule.prefixes[0]}-${rule.prefixes[1]}`,
  )
  .join(', ');

/**
 * A sale is paid either by card (`card` and `entryMode`) or by a wallet payment code the cashier
 * scanned (`paymentCode`, issue 20), never both: `if`/`then`/`else` says so, and each refusal names it.
 */
export const saleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['terminalId', 'amount', 'currency'],
  'x-choice': 'either card and entryMode (a card sale) or paymentCode (a QR sale)',
  if: { required: ['paymentCode'] },
  then: {
    not: { anyOf: [{ required: ['card'] }, { required: ['entryMode'] }] },
    'x-expected': 'paymentCode alone: a QR sale takes no card and no entryMode',
  },
  else: { required: ['card', 'entryMode'] },
  properties: {
    terminalId: {
      type: 'string',
      minLength: 1,
      maxLength: 8,
      pattern: '^[A-Za-z0-9]+$',
      'x-expected': 'the id of one of your terminals (1 to 8 letters or digits)',
    },
    amount: {
      type: 'integer',
      minimum: 1,
      maximum: maxAmountMinor,
      description: 'Amount in minor units (fen for CNY).',
      'x-expected': `a whole number of fen from 1 to ${maxAmountMinor}`,
    },
    currency: { type: 'string', enum: Object.keys(currencies), 'x-expected': 'an ISO 4217 code such as CNY' },
    card: {
      type: 'object',
      additionalProperties: false,
      required: ['pan', 'expiry'],
      properties: {
        pan: {
          type: 'string',
          minLength: minPanLength,
          maxLength: maxPanLength,
          pattern: '^[0-9]+$',
          'x-luhn': true,
          'x-expected': `${minPanLength} to ${maxPanLength} digits passing the Luhn check`,
          description: `Card number, ${minPanLength} to ${maxPanLength} digits passing the Luhn check. Never stored or returned.`,
        },
        expiry: {
          type: 'string',
          pattern: '^[0-9]{2}(0[1-9]|1[0-2])$',
          description: 'Card expiry as YYMM.',
          'x-expected': 'the card expiry as YYMM',
        },
      },
    },
    entryMode: { type: 'string', enum: [...entryModes] },
    paymentCode: {
      type: 'string',
      maxLength: 64,
      'x-expected': `a wallet payment code: ${paymentCodeExpected}`,
      description: `The customer's payment code (付款码) as scanned, in place of card and entryMode: ${paymentCodeExpected}. The wallet is known from it. Never stored or returned: answers show the wallet and its last four digits. A bad code is refused with POS_ERR_QR_CODE_NOT_DIGITS, _UNKNOWN_WALLET or _WRONG_LENGTH.`,
    },
    operatorId,
    confirmDuplicate: {
      type: 'boolean',
      description:
        'The operator confirms this is a genuine second purchase after a duplicate_suspected answer (for a QR sale, with a fresh code).',
    },
    reference: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      'x-free-text': true,
      'x-expected': `1 to 64 characters of ${freeTextExpected}`,
      description: `The merchant's own reference: 1 to 64 characters of ${freeTextExpected}.`,
    },
  },
} as const;

export const refundBody = {
  type: 'object',
  additionalProperties: false,
  required: ['amount'],
  properties: {
    amount: {
      type: 'integer',
      minimum: 1,
      maximum: maxAmountMinor,
      'x-expected': `a whole number of fen from 1 to ${maxAmountMinor}`,
    },
    // Optional: when given it must be the sale's (POS_ERR_PAYMENT_CURRENCY_MISMATCH).
    currency: { type: 'string', enum: Object.keys(currencies), 'x-expected': 'an ISO 4217 code such as CNY' },
    operatorId,
  },
} as const;

export const voidBody = {
  type: 'object',
  additionalProperties: false,
  properties: { operatorId },
} as const;

export const reversalReasonSchema = { type: 'string', enum: [...reversalReasons] } as const;

export const reversalByIdBody = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: reversalReasonSchema },
} as const;

export const reversalByKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['idempotencyKey', 'reason'],
  properties: {
    idempotencyKey: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x20-\\x7e]+$',
      'x-free-text': true,
      'x-expected':
        '1 to 255 printable ASCII characters holding no card number, as the Idempotency-Key header takes',
      description: 'The idempotency key the original was (or would have been) sent with.',
    },
    reason: reversalReasonSchema,
  },
} as const;

export const paymentIdParams = {
  type: 'object',
  required: ['id'],
  properties: {
    id: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: '^[\\x21-\\x7e]+$',
      'x-expected': 'a payment id (printable ASCII, no spaces)',
    },
  },
} as const;

export const terminalParams = {
  type: 'object',
  required: ['terminalId'],
  properties: { terminalId: terminalIdText },
} as const;

export const paymentListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    merchantId: {
      type: 'string',
      minLength: 1,
      maxLength: 15,
      description:
        "Operations: one merchant's payments (every merchant's without it). A merchant's key reaches its own only: another merchant's id is answered 404.",
      'x-expected': 'a merchant id',
    },
    terminalId: terminalIdText,
    kind: { type: 'string', enum: [...paymentKinds] },
    status: { type: 'string', enum: [...paymentStatuses] },
    from: {
      type: 'string',
      format: 'date-time',
      'x-expected': 'an ISO 8601 time such as 2026-11-25T00:00:00+08:00',
    },
    to: {
      type: 'string',
      format: 'date-time',
      'x-expected': 'an ISO 8601 time such as 2026-11-26T00:00:00+08:00',
    },
    amountMin: {
      type: 'string',
      pattern: '^[0-9]{1,12}$',
      'x-expected': 'an amount in minor units (fen), at least this',
    },
    amountMax: {
      type: 'string',
      pattern: '^[0-9]{1,12}$',
      'x-expected': 'an amount in minor units (fen), at most this',
    },
    cardLast4: { type: 'string', pattern: '^[0-9]{4}$', 'x-expected': 'the last four digits of the card' },
    limit: listLimit,
    cursor: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      pattern: '^[A-Za-z0-9_-]+$',
      'x-expected': 'the nextCursor of a previous page',
    },
  },
} as const;

export const duplicateListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: { type: 'string', enum: ['authorization', 'reconciliation'] },
    limit: listLimit,
  },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

/** Every property of an object is always sent (null when empty), and nothing else. */
function exact<P extends Record<string, unknown>>(properties: P) {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties) as (keyof P & string)[],
    properties,
  } as const;
}

/** A QR sale's own fields: all three or none (a card payment has none, as answers always had). */
const qrViewProperties = {
  method: { type: 'string', enum: ['qr'], description: 'Present on a QR sale only: paid by a wallet code.' },
  wallet: { type: 'string', enum: [...wallets] },
  paymentCodeMasked: {
    type: ['string', 'null'],
    description:
      'The payment code as stars and its last four digits; null for a code the terminal showed (the customer scanned it).',
  },
} as const;

/** A code the terminal shows (a QR order) adds its own three fields after those: all or none. */
const shownViewProperties = {
  qrFlow: {
    type: 'string',
    enum: ['shown'],
    description: 'Present on a QR order only: a code the terminal showed and the customer scanned.',
  },
  qrContent: {
    type: ['string', 'null'],
    description:
      "What the terminal shows as a QR code (the wallet's URL), while the order is pending and the wallet has made it; null otherwise.",
  },
  expiresAt: {
    type: 'string',
    format: 'date-time',
    description: 'When the code expires: unpaid by then, it is closed at the wallet.',
  },
} as const;

const cardViewProperties = {
  id: { type: 'string' },
  kind: { type: 'string', enum: [...paymentKinds] },
  status: { type: 'string', enum: [...paymentStatuses] },
  responseCode: nullableString,
  message: { type: 'string' },
  rrn: nullableString,
  authCode: nullableString,
  amount: { type: 'integer' },
  currency: { type: 'string' },
  cardMasked: nullableString,
  terminalId: { type: 'string' },
  duplicateOf: nullableString,
  duplicateConfirmed: { type: 'boolean' },
  flaggedForReview: { type: 'boolean' },
  originalId: nullableString,
  operatorId: nullableString,
  reference: nullableString,
  stan: nullableString,
  batchNo: nullableString,
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
} as const;

/**
 * A payment as answers show it: every card field always, and a QR sale's three fields last (the
 * schema serializer writes optional fields after the required ones, as answer-json.ts does).
 */
export const paymentView = {
  ...exact(cardViewProperties),
  properties: { ...cardViewProperties, ...qrViewProperties, ...shownViewProperties },
  dependentRequired: {
    method: ['wallet', 'paymentCodeMasked'],
    wallet: ['method'],
    paymentCodeMasked: ['method'],
    qrFlow: ['method', 'qrContent', 'expiresAt'],
    qrContent: ['qrFlow'],
    expiresAt: ['qrFlow'],
  },
};

/** A QR order (a code the terminal shows): a payment with every QR and shown-code field. */
export const qrOrderView = exact({
  ...cardViewProperties,
  ...qrViewProperties,
  paymentCodeMasked: { type: 'null', description: 'A shown code has no payment code.' },
  ...shownViewProperties,
});

export const reversalView = exact({
  reversal: exact({
    state: { type: 'string', enum: ['queued', 'done', 'not_needed', 'tombstoned'] },
    reason: reversalReasonSchema,
  }),
  payment: { anyOf: [paymentView, { type: 'null' }] },
});

export const duplicateView = exact({
  id: { type: 'string' },
  source: { type: 'string', enum: ['authorization', 'reconciliation'] },
  resolution: { type: 'string' },
  terminalId: { type: 'string' },
  paymentId: nullableString,
  duplicateOf: nullableString,
  amount: { type: 'integer' },
  operatorId: nullableString,
  confirmedPaymentId: nullableString,
  kind: nullableString,
  cause: nullableString,
  rrn: nullableString,
  relatedRrn: nullableString,
  detail: nullableString,
  detectedAt: { type: 'string', format: 'date-time' },
  resolvedAt: nullableString,
});

export const errorView = {
  type: 'object',
  additionalProperties: false,
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: {
      type: 'string',
      pattern: '^POS_ERR_[A-Z0-9_]+$',
      description: 'A stable code from docs/errors.md.',
    },
    error: { type: 'string' },
    message: { type: 'string' },
    problems: {
      type: 'array',
      items: exact({ field: { type: 'string' }, expected: { type: 'string' }, actual: { type: 'string' } }),
    },
    cashierMessage: {
      ...exact({ zh: { type: 'string' }, en: { type: 'string' } }),
      description: 'What to show the cashier, in Chinese and English (QR payment errors, docs/errors.md).',
    },
  },
} as const;

/** An error answer, with what the status means for this API. */
function errorAnswer(description: string) {
  return { ...errorView, description };
}

const anyRoute = {
  500: errorAnswer(
    'The host failed unexpectedly (POS_ERR_HTTP_INTERNAL); retry with the same Idempotency-Key.',
  ),
  503: errorAnswer(
    'The store is unavailable or the host is shutting down; retry with the same Idempotency-Key.',
  ),
} as const;

const authenticatedRoute = {
  ...anyRoute,
  400: errorAnswer('The request does not match the API; every problem is listed.'),
  401: errorAnswer(
    'No API key, or one that matches no merchant; or a dashboard session cookie that names no live session.',
  ),
  403: errorAnswer(
    "An operations key on a route that acts for one merchant (POS_ERR_AUTH_MERCHANT_KEY_REQUIRED): use the merchant's own API key; or a state change made with a dashboard session cookie but without its X-CSRF-Token (POS_ERR_AUTH_CSRF_TOKEN).",
  ),
  404: errorAnswer('No such payment or route for this merchant.'),
  429: errorAnswer(
    'Too many wrong API keys from this address (POS_ERR_AUTH_RATE_LIMITED); the Retry-After header says how many seconds to wait.',
  ),
} as const;

/** The error answers of each kind of route, so every status the API can send is documented. */
export const errorResponses = {
  /** GET routes that need an API key. */
  read: authenticatedRoute,
  /** POST routes: a body, an Idempotency-Key, and the engine's refusals. */
  write: {
    ...authenticatedRoute,
    409: errorAnswer(
      "The key is in flight (see Retry-After) or reversed, the payment cannot make this move, or the terminal's last QR sale is unresolved.",
    ),
    413: errorAnswer('The body is over 16 KiB (POS_ERR_HTTP_BODY_TOO_LARGE).'),
    415: errorAnswer('The body is not application/json (POS_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE).'),
    422: errorAnswer(
      "The key was used for another request, or the terminal, sale, amount or code's wallet is refused.",
    ),
  },
  /** Routes without an API key (health, metrics). */
  public: anyRoute,
} as const;
