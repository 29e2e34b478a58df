// The reconciliation module's public entry point: what other parts of posguard (the CLI, the store,
// the HTTP API) use. Everything else in this folder is internal.
export type {
  EntryMode,
  HostRow,
  HostStatus,
  SettlementRow,
  TerminalResult,
  TerminalRow,
  TxnType,
} from './rows.js';
export {
  reconcile,
  sourceName,
  type HostSource,
  type Progress,
  type ReconcileOptions,
  type ReconciliationResult,
  type RowsSource,
  type SettlementSource,
  type TerminalSource,
} from './reconcile.js';
export { defaultDuplicateWindowS } from './classifier.js';
export { defaultMaxRecordBytes } from './csv-scanner.js';
export { exceptionKinds, kindInfo, type Action, type Cause, type ExceptionKind } from './exception-kinds.js';
export type { ExceptionList, ReconException } from './exception-list.js';
export { loadMappingProfile, parseMappingProfile, type MappingProfile } from './mapping-profile.js';
export {
  exceptionColumns,
  reportFiles,
  summaryOf,
  writeReport,
  type ReconciliationSummary,
  type ReportInputs,
} from './report-writer.js';
export { hostJournalHeader, hostJournalLine, settlementFileLine, terminalJournalLine } from './v1-lines.js';
export { exportedStatus, hostRowsFromStore, type StoreExportCounts } from './store-source.js';
export { storeFindings, storedKinds } from './stored-findings.js';
