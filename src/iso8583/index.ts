// The public entry point of the ISO 8583 codec: dialects, frame codec and splitting, sub-field
// helpers, MAC and keys, response codes and transaction types. Code outside src/iso8583 imports
// from here; see docs/iso8583.md for a tour.
export {
  decodeFrame,
  encodeFrame,
  framings,
  maxLengthPrefixed,
  type CodecOptions,
  type Framing,
  type IsoMessage,
} from './codec.js';
export { isoMessageFromJson } from './message-json.js';
export {
  defineDialect,
  dialectProblems,
  type CompiledField,
  type Dialect,
  type DialectDefinition,
  type FieldDefinition,
  type FieldFormat,
  type FieldLength,
} from './dialect.js';
export {
  builtInDialects,
  cupPos,
  dialectFromJson,
  dialectFromText,
  iso8583Ascii,
  loadDialectFile,
  maxDialectFileBytes,
  resolveDialect,
} from './dialect-registry.js';
export {
  lengthPrefixBytes,
  readFrameLength,
  splitFrame,
  type FrameLimits,
  type FrameSplit,
} from './frame.js';
export { buildField60, parseField60, type Field60 } from './field-60.js';
export { entryModeCodes, entryModeOfCode, type Field22EntryMode } from './field-22.js';
export { duplicateConfirmationMarker, qrOrderCloseMarker, transactionQueryMarker } from './field-63.js';
export { sixDigits } from './fixed-digits.js';
export {
  buildStatusReport,
  readStatusReport,
  statusReportTags,
  type StatusReportTag,
} from './status-report.js';
export { buildField61, parseField61, type Field61 } from './field-61.js';
export {
  buildField59,
  buildScanAnswer,
  buildScanRequest,
  customerPresentedScan,
  parseField59,
  parseScanAnswer,
  parseScanRequest,
  scanTags,
  type ScanAnswerData,
  type ScanRequestData,
} from './field-59.js';
export {
  buildShownCodeAnswer,
  buildShownCodeRequest,
  merchantPresentedScan,
  parseShownCodeAnswer,
  parseShownCodeRequest,
  scanTypeOf,
  shownOrderStates,
  shownTags,
  type ShownCodeAnswerData,
  type ShownCodeRequestData,
  type ShownOrderState,
} from './field-59-shown.js';
export {
  buildBatchUploadCount,
  buildSettlementTotals,
  parseBatchUploadCount,
  parseSettlementTotals,
  type SettlementBlock,
  type SettlementCheck,
  type SettlementTotals,
} from './field-48.js';
export {
  cupPosMac,
  encodeSignedFrame,
  macBytes,
  macFold,
  macInput,
  signFrame,
  verifyFrameMac,
} from './mac.js';
export {
  decryptKey,
  encryptKey,
  generateKey,
  keyCheckValue,
  keyFromHex,
  withOddParity,
  type KeyBytes,
  type RandomBytes,
} from './keys.js';
export {
  buildSignInKeys,
  generateSessionKeys,
  isSignInKeyMode,
  openSignInKeys,
  readSignInKeys,
  signInKeyModes,
  type EncryptedKey,
  type EncryptedSessionKeys,
  type SessionKeys,
  type SignInKeyMode,
} from './sign-in-keys.js';
export {
  interpretResponseCode,
  isApproval,
  responseCodeTable,
  type ResponseAction,
  type ResponseCodeDefinition,
  type ResponseInterpretation,
  type ResponseOutcome,
} from '../payments/response-codes.js';
export {
  classify,
  isResponseMti,
  reversalMtis,
  reversedType,
  transactionDefinition,
  transactionTable,
  type TransactionDefinition,
  type TransactionType,
} from './transactions.js';
export {
  buildRequest,
  buildResponse,
  buildReversal,
  echoedFields,
  reversalReasons,
  type BuildRequestOptions,
  type BuildResponseOptions,
  type ReversalReason,
} from './transaction-builders.js';
