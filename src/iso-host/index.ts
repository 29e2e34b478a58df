// The public entry point of the ISO 8583 door into the engine: the IsoHost that answers one frame
// at a time (what the simulator drives), the TCP server around it (what `posguard serve
// --iso-port` runs), and the protocol choices other code and tests refer to.
export { IsoHost, type IsoConnection, type IsoHostOptions, type IsoReply } from './iso-host.js';
export {
  startIsoServer,
  isoServerDefaults,
  type IsoServer,
  type IsoServerOptions,
} from './iso-tcp-server.js';
export { defaultIsoHostSettings, type IsoHostSettings } from './host-context.js';
export { noIsoMetrics, type IsoMetrics } from './iso-metrics.js';
export { answerCodes, signInAgain } from './answer-codes.js';
export { isoIdempotencyKey, isoReversalKey } from './idempotency-key.js';
export { duplicateConfirmationMarker, transactionQueryMarker } from '../iso8583/index.js';
export { keyContext } from './terminal-session.js';
export { countedRefundStatuses, countedSaleStatuses, nextBatchNo } from '../payments/batch-settlement.js';
