// The public entry point of the terminal SDK: the client that follows the safe protocol, and the
// three ports it runs on (Transport, Journal, and the Clock of src/clock) with their adapters, so
// the virtual POS runs it over TCP with a folder journal and the simulator over a simulated
// network with an in-memory one.
export {
  TerminalClient,
  type ScanInput,
  type ShowCodeInput,
  type TerminalClientOptions,
} from './terminal-client.js';
export { scanCashierText } from './scan-messages.js';
export { showCodeCashierText } from './show-code-messages.js';
export { unansweredCashierText } from './unanswered-messages.js';
export { settledByQuery } from './client/scan-query.js';
export { walletName, type CashierText } from './wallet-names.js';
export type {
  FinancialOutcome,
  ReprintOutcome,
  ReversalsOutcome,
  SaleOutcome,
  SettleOutcome,
  ShowCodeOutcome,
  ShowCodeProgress,
  SignInOutcome,
  StatusOutcome,
} from './outcomes.js';
export { parseQueryAnswer, type HostTransaction } from './host-transaction.js';
export type { Transport, TransportResult } from './transport.js';
export { TcpTransport, type TcpTransportOptions } from './tcp-transport.js';
export {
  isSentUntilAnswered,
  isShownCode,
  maxJournalRecords,
  recordKey,
  type Journal,
  type JournalContents,
  type OriginalRef,
  type RecordState,
  type ReversalRecord,
  type ScanDetails,
  type StoredKeys,
  type TerminalTelemetry,
  type TerminalState,
  type TransactionKind,
  type TransactionRecord,
} from './journal.js';
export { MemoryJournal } from './memory-journal.js';
export { FileJournal } from './file-journal.js';
export { CardReadFilter, doubleReadWindowMs } from './card-read-filter.js';
export { noPrinter, PrinterFault, receiptOf, type Printer, type Receipt } from './receipt.js';
export type { StatusInput } from './client/status.js';
export { defaultHeader, defaultTpdu, type CardInput, type TerminalIdentity } from './terminal-messages.js';
