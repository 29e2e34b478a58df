// The reconciliation module's public entry point: what other parts of posguard (the CLI, the store,
// the HTTP API) use. Everything else in this folder is internal.
export type { EntryMode } from '../payments/payment.js';
export type {
  HostQr,
  HostRow,
  HostStatus,
  SettlementQr,
  SettlementRow,
  TerminalResult,
  TerminalRow,
  TxnType,
} from './tables/rows.js';
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
export { defaultMaxRecordBytes } from './read/csv-scanner.js';
export {
  actions,
  causes,
  exceptionKinds,
  kindInfo,
  type Action,
  type Cause,
  type ExceptionKind,
} from './match/exception-kinds.js';
export type { ExceptionList, ReconException } from './match/exception-list.js';
export { loadMappingProfile, parseMappingProfile, type MappingProfile } from './read/mapping-profile.js';
export { builtInProfile, builtInProfiles } from './read/wallet-profiles.js';
export type { WalletBillExpectations } from './read/bill-layout.js';
export { exceptionColumns } from './report/exceptions-csv.js';
export {
  countsOf,
  reportFiles,
  summaryOf,
  type ReconciliationCounts,
  type ReconciliationSummary,
  type ReportInputs,
} from './report/report-summary.js';
export { writeReport } from './report/report-writer.js';
export {
  hostJournalHeader,
  hostJournalLine,
  settlementFileLine,
  terminalJournalLine,
} from './read/v1-lines.js';
export { exportedStatus, hostRowsFromStore, type StoreExportCounts } from './read/store-source.js';
export { storeFindings, storedKinds } from './report/stored-findings.js';
