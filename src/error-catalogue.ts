// The catalogue of every operating error posguard reports: its stable code, the HTTP status the
// API answers it with, the CUP field-39 answer code the ISO 8583 door refuses with, and a one-line
// summary. It is the one home of these facts: `PosError.code` is the union of its keys (a typo is a
// compile error), the HTTP error map and the ISO answer-code map read it, and
// test/error-codes-documented.test.ts checks docs/errors.md (which explains each code in full)
// against it.

export interface ErrorEntry {
  /** The HTTP status the API answers with; absent for an error no HTTP request can meet (CLI, files). */
  readonly http?: number;
  /**
   * The CUP field-39 answer code (CUP POS spec, response codes) the ISO 8583 door refuses with, for
   * an error a terminal can cause; absent means 96 (system fault), which the door also logs.
   */
  readonly iso?: string;
  /** One line saying what happened; docs/errors.md says it in full. */
  readonly summary: string;
}

export const errorCatalogue = {
  // HTTP
  POS_ERR_HTTP_INVALID_REQUEST: { http: 400, summary: 'The body, query or path does not match the API.' },
  POS_ERR_HTTP_MALFORMED_JSON: { http: 400, summary: 'The body is not valid JSON.' },
  POS_ERR_HTTP_INVALID_UTF8: { http: 400, summary: 'The body holds bytes that are not UTF-8.' },
  POS_ERR_HTTP_BODY_TOO_LARGE: { http: 413, summary: 'The body is over 16 KiB.' },
  POS_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE: { http: 415, summary: 'The body is not `application/json`.' },
  POS_ERR_HTTP_ROUTE_NOT_FOUND: { http: 404, summary: 'No such route.' },
  POS_ERR_HTTP_INTERNAL: { http: 500, summary: 'The host failed unexpectedly.' },
  POS_ERR_HTTP_MERCHANT_NOT_FOUND: {
    http: 404,
    summary:
      "A merchantId the caller cannot reach: another merchant's (for a merchant), or none (for operations).",
  },

  // Authentication
  POS_ERR_AUTH_MISSING_API_KEY: { http: 401, summary: 'No `Authorization: Bearer <API key>` header.' },
  POS_ERR_AUTH_INVALID_API_KEY: { http: 401, summary: 'The API key matches no merchant.' },
  POS_ERR_AUTH_RATE_LIMITED: {
    http: 429,
    summary: 'This client address sent too many wrong API keys in the last minute.',
  },
  POS_ERR_AUTH_SESSION_INVALID: {
    http: 401,
    summary: 'The dashboard session cookie names no live session (signed out, expired, host restarted).',
  },
  POS_ERR_AUTH_CSRF_TOKEN: {
    http: 403,
    summary: "A state change made with a dashboard session cookie lacks the session's X-CSRF-Token.",
  },
  POS_ERR_AUTH_INVALID_PASSWORD: {
    http: 401,
    summary: 'The merchant, username and password match no dashboard user.',
  },
  POS_ERR_DASHBOARD_USER_INVALID: {
    http: 400,
    summary: 'A dashboard username or password that is not allowed; every problem is listed.',
  },
  POS_ERR_DASHBOARD_USER_EXISTS: { http: 409, summary: 'The merchant already has a user of that name.' },
  POS_ERR_DASHBOARD_USER_NOT_FOUND: {
    http: 404,
    summary: 'The merchant has no dashboard user of that name.',
  },
  POS_ERR_DASHBOARD_NOT_BUILT: {
    http: 503,
    summary: 'The dashboard was not built in this installation (`npm run build`).',
  },
  POS_ERR_AUTH_MERCHANT_KEY_REQUIRED: {
    http: 403,
    summary: "An operations key on a route that acts for one merchant: it needs that merchant's API key.",
  },

  // Idempotency
  POS_ERR_IDEMPOTENCY_KEY_MISSING: { http: 400, summary: 'A POST without an `Idempotency-Key` header.' },
  POS_ERR_IDEMPOTENCY_KEY_INVALID: {
    http: 400,
    summary:
      'The key is empty, longer than 255 characters, not printable ASCII, a malformed quoted string, or a list (the header twice).',
  },
  POS_ERR_IDEMPOTENCY_KEY_REUSED: {
    http: 422,
    summary: 'The key was used before for a different request (other amount, card, terminal...).',
  },
  POS_ERR_IDEMPOTENCY_IN_FLIGHT: {
    http: 409,
    summary: 'The first request with this key is still being processed.',
  },
  POS_ERR_IDEMPOTENCY_KEY_REVERSED: {
    http: 409,
    summary: 'A reversal naming this key arrived before the request itself (a tombstone).',
  },

  // Payments
  POS_ERR_PAYMENT_NOT_FOUND: { http: 404, iso: '25', summary: 'No such payment for this merchant.' },
  POS_ERR_PAYMENT_INVALID_TEXT: {
    http: 400,
    iso: '30',
    summary:
      'Free text to be stored (a reference, an operator id, an idempotency key) holds a control character, a lone surrogate or a card number.',
  },
  POS_ERR_PAYMENT_UNKNOWN_TERMINAL: {
    http: 422,
    iso: '97',
    summary: 'The terminal is not registered to this merchant.',
  },
  POS_ERR_PAYMENT_UNKNOWN_MERCHANT: { http: 422, iso: '03', summary: 'The merchant is not registered.' },
  POS_ERR_PAYMENT_WRONG_TERMINAL: {
    http: 422,
    iso: '58',
    summary: "A void or refund from a terminal other than the sale's.",
  },
  POS_ERR_PAYMENT_ILLEGAL_TRANSITION: {
    http: 409,
    iso: '22',
    summary:
      "The payment's life cycle does not allow the move (void a declined sale, refund a voided one, reverse a refunded one...).",
  },
  POS_ERR_PAYMENT_REFUND_EXCEEDS_CAPTURED: {
    http: 422,
    iso: '61',
    summary: "Refunds (counting those in flight) would exceed the sale's amount.",
  },
  POS_ERR_PAYMENT_CURRENCY_MISMATCH: {
    http: 422,
    iso: '64',
    summary: "A void or refund that names another currency than its sale's.",
  },
  POS_ERR_REVERSAL_MISMATCH: {
    http: 409,
    iso: '25',
    summary:
      'A reversal (an ISO 0400) names, by its key, a payment of another kind or amount than the one it carries.',
  },

  // QR payments (issue 20): customer-presented codes
  POS_ERR_QR_CODE_NOT_DIGITS: {
    http: 400,
    iso: '14',
    summary: 'A payment code holds something other than digits (or nothing).',
  },
  POS_ERR_QR_CODE_UNKNOWN_WALLET: {
    http: 400,
    iso: '15',
    summary:
      "A payment code whose first two digits are no wallet's: WeChat Pay 10 to 15, Alipay 25 to 30, UnionPay QR 62.",
  },
  POS_ERR_QR_CODE_WRONG_LENGTH: {
    http: 400,
    iso: '14',
    summary:
      "A payment code of the wrong length for its wallet's prefix (WeChat Pay 18, Alipay 16 to 24, UnionPay QR 19 digits).",
  },
  POS_ERR_QR_WALLET_UNAVAILABLE: {
    http: 422,
    iso: '58',
    summary: 'The payment code, or the QR order, is of a wallet this host has no provider for.',
  },
  POS_ERR_QR_SALE_UNRESOLVED: {
    http: 409,
    iso: '22',
    summary: 'A new payment code on a terminal whose last QR sale the wallet has not settled yet.',
  },
  // QR payments (issue 20): codes the terminal shows (QR orders)
  POS_ERR_QR_ORDER_EARLIER_PAID: {
    http: 409,
    iso: '94',
    summary:
      'A new QR order on a terminal whose previous shown code the customer has paid: that sale is approved, and no new code is made.',
  },
  POS_ERR_QR_ORDER_UNRESOLVED: {
    http: 409,
    iso: '22',
    summary:
      'A new QR order on a terminal whose previous shown code the wallet has not confirmed closed yet: no new code is made; try again.',
  },
  POS_ERR_QR_ORDER_NOT_FOUND: {
    http: 404,
    summary: 'No QR order (a code the terminal shows) with this id for this merchant.',
  },
  POS_ERR_QR_REFUND_IRREVERSIBLE: {
    http: 409,
    iso: '22',
    summary:
      'A reversal of a void or refund of a QR sale: a wallet cannot take a refund back; the host settles its outcome under its refund number.',
  },

  // Store
  POS_ERR_STORE_UNAVAILABLE: {
    http: 503,
    summary: 'The database refused or could not take the write (disk full, I/O error, connection lost).',
  },
  POS_ERR_STORE_NOT_DURABLE: {
    http: 503,
    summary:
      'The database could not flush a commit to disk (fsync failed): the host takes no more work until it is restarted.',
  },
  POS_ERR_STORE_CLOSED: { http: 503, summary: 'The host is shutting down.' },
  POS_ERR_STORE_OPEN_FAILED: { summary: 'The database file could not be opened or created.' },
  POS_ERR_STORE_NOT_FOUND: {
    summary:
      'A command that reads or extends a store (verify, export, reconcile, terminal add) was pointed at a SQLite file that does not exist.',
  },
  POS_ERR_STORE_NOT_POSGUARD: {
    summary: 'The file (or PostgreSQL schema) a reading command was pointed at holds no posguard store.',
  },
  POS_ERR_EXPORT_WRITE_FAILED: {
    summary: '`export --out` names a path that cannot be written (no such folder, a folder, no permission).',
  },
  POS_ERR_SECRET_MISMATCH: {
    summary:
      '`serve` or `terminal add` was given another host secret than the one the store was first served with.',
  },

  // Merchants, terminals and keys
  POS_ERR_MERCHANT_INVALID: {
    summary: 'A merchant id, name, duplicate policy or window that is not allowed.',
  },
  POS_ERR_MERCHANT_EXISTS: { summary: 'A merchant with that id already exists.' },
  POS_ERR_MERCHANT_NOT_FOUND: { summary: 'No merchant with that id.' },
  POS_ERR_TERMINAL_INVALID: { summary: 'A terminal id or TMK of the wrong form.' },
  POS_ERR_TERMINAL_EXISTS: { summary: 'The terminal is already registered to that merchant.' },
  POS_ERR_KEY_UNREADABLE: { summary: 'A stored terminal key cannot be decrypted.' },
  POS_ERR_OPERATIONS_KEY_INVALID: { summary: 'An operations key label or id of the wrong form.' },
  POS_ERR_OPERATIONS_KEY_NOT_FOUND: { summary: 'No operations key with that id, or it is revoked already.' },

  // Configuration and CLI
  POS_ERR_CONFIG_INVALID: {
    summary: 'A setting (flag, environment variable or secret file) with a value of the wrong form.',
  },
  POS_ERR_CLI_BAD_FLAG: {
    summary: 'An unknown flag, a flag without its value, or a value of the wrong form.',
  },
  POS_ERR_CLI_MISSING_FLAG: { summary: 'A required flag was not given.' },

  // Money
  POS_ERR_MONEY_INVALID_AMOUNT: {
    summary:
      'An amount that is not a whole, non-negative number of minor units within 12 digits, or decimal text with more places than the currency has.',
  },

  // ISO 8583
  POS_ERR_ISO_TRUNCATED: { summary: 'The frame ends inside a part or field.' },
  POS_ERR_ISO_LENGTH_PREFIX_MISMATCH: {
    summary: 'The 2-byte length prefix does not match the number of bytes that follow it.',
  },
  POS_ERR_ISO_BAD_BCD: {
    summary:
      'A nibble above 9 where packed BCD digits were expected (MTI, numeric field, length prefix), or a pad nibble that is not 0 (or F where the field allows it).',
  },
  POS_ERR_ISO_BAD_CHARACTER: { summary: 'A byte a field cannot hold.' },
  POS_ERR_ISO_FIELD_TOO_LONG: {
    summary: 'A length prefix announces more than the dialect allows for the field.',
  },
  POS_ERR_ISO_UNKNOWN_FIELD: {
    summary:
      'The bitmap has a bit set for a field the dialect does not define (bit 1 in a dialect without a secondary bitmap included).',
  },
  POS_ERR_ISO_TRAILING_BYTES: { summary: 'Bytes are left over after the last field the bitmap announces.' },
  POS_ERR_ISO_FRAME_TOO_LONG: {
    summary: "A TCP length prefix announces more than the reader's maximum frame size.",
  },
  POS_ERR_ISO_BAD_VALUE: { summary: 'A message to encode is invalid.' },
  POS_ERR_ISO_BAD_SUBFIELD: {
    summary:
      'A sub-field helper (fields 48, 60, 61) was given text of the wrong shape or values out of range.',
  },
  POS_ERR_ISO_NO_MAC_FIELD: {
    summary:
      'A frame to sign or verify has no field 64 (bit 64 clear), or field 64 is not its last field (a secondary bitmap follows).',
  },
  POS_ERR_ISO_BAD_KEY: {
    summary:
      'A key of the wrong size for its use (names the key, never its bytes), or a sign-in key set that does not fit its mode.',
  },
  POS_ERR_ISO_KEY_CHECK_FAILED: {
    summary: 'A key decrypted from sign-in field 62 does not match its check value.',
  },
  POS_ERR_ISO_BAD_DIALECT: { summary: 'A dialect definition or file is invalid.' },
  POS_ERR_ISO_DIALECT_UNREADABLE: { summary: 'A dialect file cannot be read, or is larger than 1 MiB.' },
  POS_ERR_ISO_UNKNOWN_DIALECT: {
    summary: 'A dialect name that is neither built in nor a path to a JSON file.',
  },
  POS_ERR_ISO_BAD_HEX: {
    summary:
      '`posguard iso decode` was given text that is not an even number of hex digits (white space is ignored).',
  },
  POS_ERR_ISO_INPUT_TOO_LARGE: { summary: '`posguard iso` input (stdin or file) is larger than 1 MiB.' },
  POS_ERR_ISO_INPUT_UNREADABLE: { summary: '`posguard iso encode` could not read its input file.' },

  // Reconciliation
  POS_ERR_RECON_FILE_UNREADABLE: {
    summary: 'An input file could not be opened or read (missing, no permission).',
  },
  POS_ERR_RECON_EMPTY_FILE: { summary: 'An input file holds no header row.' },
  POS_ERR_RECON_MISSING_COLUMN: {
    summary: 'The header lacks a column the format (or the mapping profile) needs.',
  },
  POS_ERR_RECON_DUPLICATE_COLUMN: { summary: 'The header names a needed column twice.' },
  POS_ERR_RECON_FIELD_COUNT: {
    summary: 'A record has a different number of fields than the header (or more than 1024).',
  },
  POS_ERR_RECON_BAD_QUOTING: { summary: 'Broken RFC 4180 quoting.' },
  POS_ERR_RECON_BAD_ENCODING: {
    summary:
      "A cell that is not valid UTF-8 (v1 files), or holds bytes its profile's encoding cannot decode (GBK...).",
  },
  POS_ERR_RECON_LINE_TOO_LONG: { summary: 'A record is longer than the maximum (`--max-line-bytes`).' },
  POS_ERR_RECON_BAD_AMOUNT: {
    summary:
      "An amount or fee that is not a whole, non-negative number of fen (or, through a profile, not an amount in the profile's unit, rounding and sign).",
  },
  POS_ERR_RECON_BAD_TIME: {
    summary:
      "A time that is not ISO 8601 with an offset (or, through a profile, not in the profile's format), or names no real date.",
  },
  POS_ERR_RECON_BAD_VALUE: {
    summary:
      'A type, result, status, entry mode or boolean outside its allowed words, or a type code the profile does not map.',
  },
  POS_ERR_RECON_DUPLICATE_HOST_KEY: {
    summary: 'The host journal holds one RRN, or one merchant + terminal + batch + STAN, on two lines.',
  },
  POS_ERR_RECON_BAD_PROFILE: { summary: 'A mapping profile that is not valid JSON or breaks its schema.' },
  POS_ERR_RECON_TOO_BIG: { summary: 'An input past a stated maximum of one run.' },
  POS_ERR_RECON_REPORT_WRITE: { summary: 'The report could not be written into the out directory.' },
  POS_ERR_RECON_WORKER_FAILED: {
    summary:
      'The thread parsing the settlement or terminal file stopped unexpectedly (for example, out of memory).',
  },
  POS_ERR_RECON_TRUNCATED: {
    summary: "A bill ends before the end its profile names (its table's end line, totals or footer).",
  },
  POS_ERR_RECON_TOTALS_MISMATCH: {
    summary: "A bill's footer or totals state another number of lines than its table holds.",
  },
  POS_ERR_RECON_UPLOAD_INVALID: {
    http: 400,
    summary: 'A reconciliation run request with a part missing, unexpected, repeated or of the wrong form.',
  },
  POS_ERR_RECON_UPLOAD_TOO_LARGE: {
    http: 413,
    summary: 'An uploaded reconciliation file past the size allowed.',
  },
  POS_ERR_RECON_RUNS_BUSY: {
    http: 429,
    summary: 'The host has as many reconciliation runs queued as it takes.',
  },
  POS_ERR_RECON_RUN_NOT_FOUND: { http: 404, summary: 'No reconciliation run of that id for this caller.' },
  POS_ERR_RECON_RUN_NOT_READY: {
    http: 409,
    summary: 'The exceptions of a reconciliation run that is still running, or failed.',
  },
  POS_ERR_RECON_WRONG_ACCOUNT: {
    summary: "A wallet's bill of another merchant or app than the run's --wallet-merchant / --wallet-app.",
  },

  // Fees
  POS_ERR_FEES_PLAN_INVALID: {
    http: 400,
    summary: 'A plan file that is not JSON or breaks its format.',
  },
  POS_ERR_FEES_PLAN_OVERLAP: {
    http: 422,
    summary: 'Plan versions that are not numbered 1, 2, 3... or that do not each start after the one before.',
  },
  POS_ERR_FEES_PLAN_REWRITES_PAST: {
    http: 422,
    summary: 'A version (after the first) made on or after the day it starts.',
  },
  POS_ERR_FEES_PLAN_BELOW_COST: {
    http: 422,
    summary: "A debit or credit rate (or cap) below the 2016 ceilings' worst case for the acquirer.",
  },
  POS_ERR_FEES_BIN_TABLE_INVALID: {
    summary:
      'A BIN table CSV without `bin` and `card_kind` columns, or with rows of the wrong form (a BIN not 1 to 11 digits, an unknown card kind, one BIN given two kinds).',
  },
  POS_ERR_FEES_TRANSACTION_INVALID: {
    http: 422,
    summary:
      'A transaction record of the wrong form, a void or refund whose sale is not given, refunds past the sale, a void after a refund, a second void or reversal of one sale.',
  },
  POS_ERR_FEES_NO_PLAN_VERSION: {
    http: 404,
    summary: "A sale dated before the first version of its merchant's plan (or a merchant with no plan).",
  },
  POS_ERR_FEES_STATEMENT_DATE: {
    http: 400,
    summary: 'A statement day that is not `YYYY-MM-DD` (or month not `YYYY-MM`), or that is still to come.',
  },
  POS_ERR_FEES_COMPARE_INVALID: { summary: '`fees compare` given fewer than two plans (or more than 20).' },
  POS_ERR_FEES_MERCHANT_NOT_FOUND: {
    http: 404,
    summary:
      "`/v1/merchants/{id}/...` named a merchant other than the API key's: answered as if it did not exist.",
  },
  POS_ERR_FEES_TERMINAL_NOT_FOUND: {
    http: 404,
    summary: "A terminal's statement asked for a terminal the merchant does not have.",
  },
  POS_ERR_FEES_TOO_MANY_TRANSACTIONS: {
    http: 422,
    summary:
      "A statement or comparison over more of the merchant's transactions than one call prices (2,000,000).",
  },
  POS_ERR_FEES_FILE_UNREADABLE: {
    summary:
      '`posguard fees` (or `simulate --fee-plan`) could not read a plan or BIN table file, or it is larger than allowed.',
  },

  // Telemetry (issue 14)
  POS_ERR_TELEMETRY_INVALID: {
    http: 400,
    iso: '30',
    summary:
      'A terminal status report with an unknown field, a value of the wrong type or out of range, or values that contradict each other.',
  },
  POS_ERR_TELEMETRY_BAD_TIME: {
    http: 422,
    iso: '30',
    summary:
      "A status report whose time is more than 5 minutes ahead of the host's clock, or older than the host still accepts (6 days).",
  },
  POS_ERR_TELEMETRY_REPORT_CONFLICT: {
    http: 409,
    iso: '94',
    summary: 'The terminal already sent another status report under this report id.',
  },
  POS_ERR_TELEMETRY_DAILY_LIMIT: {
    http: 429,
    iso: '65',
    summary: 'The terminal has sent as many status reports today as the host stores per terminal and day.',
  },
  POS_ERR_TELEMETRY_TOO_MANY_HOURS: {
    http: 422,
    summary:
      'A read of telemetry over a period holding more terminal hours than one read folds (10,000,000).',
  },

  // Fleet diagnosis (issue 14)
  POS_ERR_DIAGNOSIS_INVALID_PERIOD: {
    http: 400,
    summary: 'A diagnosis period whose start is not before its end, or longer than 92 days.',
  },
  POS_ERR_DIAGNOSIS_TOO_MANY_ROWS: {
    http: 422,
    summary: 'A diagnosis period holding more rows than one diagnosis reads (20,000,000).',
  },

  // Terminal SDK and virtual POS
  POS_ERR_TERMINAL_NO_MASTER_KEY: {
    summary: 'A sign-in was asked of a terminal whose journal holds no terminal master key.',
  },
  POS_ERR_TERMINAL_NOT_SIGNED_IN: {
    summary: 'A transaction was asked of a terminal with no session keys and no master key to sign in with.',
  },
  POS_ERR_TERMINAL_UNKNOWN_TRANSACTION: {
    summary:
      "A void, refund or reprint named a STAN that is not an approved sale (or not a transaction at all) in the terminal's journal.",
  },
  POS_ERR_TERMINAL_WRONG_JOURNAL: {
    summary: 'The journal folder belongs to another terminal or merchant than the one named.',
  },
  POS_ERR_TERMINAL_JOURNAL_UNREADABLE: { summary: 'A journal file cannot be read.' },
  POS_ERR_TERMINAL_JOURNAL_FULL: { summary: 'The journal holds its maximum of 10,000 transactions.' },
  POS_ERR_TERMINAL_BAD_QUERY_ANSWER: {
    summary: "The host's answer to a transaction query (field 63) is not in the `QRY;k=...;s=...` form.",
  },

  // Wallet providers (QR payments) and the simulated wallet
  POS_ERR_WALLET_NOTIFICATION_INVALID: {
    http: 400,
    summary:
      "A wallet's notification whose signature does not verify, that is not in the wallet's format, or that names another app or merchant.",
  },
  POS_ERR_WALLET_NOTIFICATION_NOT_A_PAYMENT: {
    summary:
      'A notification that verifies but reports no payment (a closed or refunded trade, a failed one): acknowledge it, record nothing.',
  },
  POS_ERR_WALLET_NOTIFICATION_UNKNOWN_ORDER: {
    http: 404,
    summary:
      "A verified wallet notification for an order number this host does not know, or that is another wallet's order.",
  },
  POS_ERR_WALLET_NOTIFICATION_RATE_LIMITED: {
    http: 429,
    summary: 'This address sent too many invalid wallet notifications in the last minute.',
  },
  POS_ERR_WALLET_AMOUNT_MISMATCH: {
    summary:
      'A wallet reported a payment of another amount than its QR order: not approved, refunded through the reversal queue, and listed among the duplicates and exceptions.',
  },
  POS_ERR_WALLET_CONFIG_INVALID: {
    summary:
      'Wallet provider settings of the wrong form: a URL that is not http(s), an empty id, a key that cannot be read, an https WeChat Pay URL without a client certificate.',
  },
  POS_ERR_SIMULATED_WALLET_BAD_REQUEST: {
    summary:
      'A simulated wallet test hook (`/_sim/...`) or its options given an unknown payer, wallet or shown code, a fault out of range, or a body of the wrong form.',
  },

  // Simulator
  POS_ERR_SIMULATOR_BAD_FAULT: {
    summary:
      '`faultRates` got a `NAME=RATE` that names no fault or gives a rate outside 0 to 1 (the CLI says `POS_ERR_CLI_BAD_FLAG`).',
  },
  POS_ERR_SIMULATOR_STUCK: { summary: 'A simulated day stopped with work left and nothing to wake it.' },
  POS_ERR_SIMULATOR_WORKER_FAILED: { summary: 'A simulation shard failed on its worker thread.' },
  POS_ERR_SIMULATOR_OUTPUT_FAILED: {
    summary:
      '`posguard simulate` could not write its truth file (`--truth`) or make the directory of a file it keeps.',
  },
} as const satisfies Readonly<Record<`POS_ERR_${string}`, ErrorEntry>>;

/** Every code a `PosError` can carry. */
export type ErrorCode = keyof typeof errorCatalogue;

/** The catalogue seen through the entry type, for reading an optional field of any code. */
const entries: Readonly<Record<ErrorCode, ErrorEntry>> = errorCatalogue;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalogue, value);
}

export function errorEntry(code: ErrorCode): ErrorEntry {
  return entries[code];
}
