// The store port over SQL, written once for both databases: the SQLite and PostgreSQL adapters
// differ only in their driver (sqlite/, postgres/). Each concern's SQL lives in a file of its own
// (sql-directory.ts, sql-payments.ts, ...), rows become records in rows.ts only, and this file
// puts them together behind the port's reader and transaction. Row locks (`FOR UPDATE`) are
// no-ops on SQLite, whose write transactions are serial.
import type {
  BatchRef,
  BatchSettlementRecord,
  BatchTotalsQuery,
  BatchUploadRecord,
} from '../../payments/ports/batch-store.js';
import type { NewMerchant, NewTerminal, TerminalPatch } from '../../payments/ports/directory-store.js';
import type {
  DuplicateQuery,
  DuplicateRecord,
  DuplicateResolutionPatch,
} from '../../payments/ports/duplicate-store.js';
import type { BinEntry, FeePlanVersionRecord, FeeTransactionQuery } from '../../payments/ports/fee-store.js';
import type { RequestRecord } from '../../payments/ports/idempotency-store.js';
import type { DashboardUserRecord } from '../../payments/ports/dashboard-user-store.js';
import type { MerchantScope, PaymentTallyQuery } from '../../payments/ports/insight-store.js';
import type { JournalEvent } from '../../payments/ports/journal-store.js';
import type {
  NewPayment,
  OrphanQuery,
  PaymentPatch,
  PaymentQuery,
  RecentPayerSalesQuery,
  RecentSalesQuery,
} from '../../payments/ports/payment-store.js';
import type {
  NewReversal,
  ReversalClaim,
  ReversalPatch,
  ReversalState,
} from '../../payments/ports/reversal-store.js';
import type { FoldOwner, FoldSession } from '../../payments/ports/signed-fold-store.js';
import type { Store, StoreReader, StoreTx } from '../../payments/ports/store.js';
import type {
  TelemetryHourPage,
  TelemetryReportKey,
  TelemetryReportPage,
} from '../../diagnostics/ports/telemetry-store.js';
import type { StoredTelemetryReport, TelemetryHour } from '../../diagnostics/telemetry-hours.js';
import type { DiagnosisEventPage, DiagnosisPage } from '../../diagnostics/ports/diagnosis-source.js';
import type { OperationsKeyRecord } from '../../payments/ports/operations-key-store.js';
import type { EngineAnswer, PaymentStatus } from '../../payments/payment.js';
import * as batches from './sql-batches.js';
import * as directory from './sql-directory.js';
import type { SqlConnection, SqlDriver, SqlSession } from './sql-driver.js';
import * as duplicates from './sql-duplicates.js';
import * as fees from './sql-fees.js';
import * as hostSettings from './sql-host-settings.js';
import * as idempotency from './sql-idempotency.js';
import * as insight from './sql-insight.js';
import * as dashboardUsers from './sql-dashboard-users.js';
import * as journal from './sql-journal.js';
import * as payments from './sql-payments.js';
import * as reversals from './sql-reversals.js';
import * as signedFolds from './sql-signed-folds.js';
import * as telemetry from './sql-telemetry.js';
import * as diagnosis from './sql-diagnosis.js';
import * as operationsKeys from './sql-operations-keys.js';

class SqlReader implements StoreReader {
  protected readonly session: SqlSession;

  constructor(db: SqlConnection, driver: SqlDriver) {
    this.session = { db, driver };
  }

  // Directory of merchants and terminals.
  getMerchant(id: string) {
    return directory.getMerchant(this.session, id);
  }
  findMerchantByApiKeyHash(apiKeyHash: string) {
    return directory.findMerchantByApiKeyHash(this.session, apiKeyHash);
  }
  getTerminal(merchantId: string, terminalId: string) {
    return directory.getTerminal(this.session, merchantId, terminalId);
  }

  // Idempotency.
  getRequest(merchantId: string, idempotencyKey: string) {
    return idempotency.getRequest(this.session, merchantId, idempotencyKey);
  }
  scanRequests(after: { merchantId: string; idempotencyKey: string }, limit: number) {
    return idempotency.scanRequests(this.session, after, limit);
  }

  // Payments.
  getPayment(id: string) {
    return payments.getPayment(this.session, id);
  }
  getPaymentByRrn(rrn: string) {
    return payments.getPaymentByRrn(this.session, rrn);
  }
  listPayments(query: PaymentQuery) {
    return payments.listPayments(this.session, query);
  }
  lastPaymentForTerminal(merchantId: string, terminalId: string) {
    return payments.lastPaymentForTerminal(this.session, merchantId, terminalId);
  }
  findRecentSales(query: RecentSalesQuery) {
    return payments.findRecentSales(this.session, query);
  }
  listChildren(originalId: string, statuses: readonly PaymentStatus[]) {
    return payments.listChildren(this.session, originalId, statuses);
  }
  findPendingCreatedBefore(createdBefore: number, limit: number) {
    return payments.findPendingCreatedBefore(this.session, createdBefore, limit);
  }
  findOrphanedPending(query: OrphanQuery) {
    return payments.findOrphanedPending(this.session, query);
  }
  findPendingQrSale(merchantId: string, terminalId: string) {
    return payments.findPendingQrSale(this.session, merchantId, terminalId);
  }
  findRecentPayerSales(query: RecentPayerSalesQuery) {
    return payments.findRecentPayerSales(this.session, query);
  }
  getPaymentByOrderNo(orderNo: string) {
    return payments.getPaymentByOrderNo(this.session, orderNo);
  }
  findExpiredShownOrders(now: number, limit: number) {
    return payments.findExpiredShownOrders(this.session, now, limit);
  }
  countPaymentsByStatus() {
    return payments.countPaymentsByStatus(this.session);
  }
  scanPayments(afterId: string, limit: number) {
    return payments.scanPayments(this.session, afterId, limit);
  }

  // Duplicates.
  listDuplicates(query: DuplicateQuery) {
    return duplicates.listDuplicates(this.session, query);
  }

  // Reversal queue.
  getReversal(paymentId: string) {
    return reversals.getReversal(this.session, paymentId);
  }
  countReversals(state: ReversalState) {
    return reversals.countReversals(this.session, state);
  }
  nextReversalDueAt() {
    return reversals.nextReversalDueAt(this.session);
  }

  // Journal.
  readJournal(chain: number, afterSeq: number, limit: number) {
    return journal.readJournal(this.session, chain, afterSeq, limit);
  }

  // Batches.
  batchTotals(query: BatchTotalsQuery) {
    return batches.batchTotals(this.session, query);
  }
  batchUploadTotals(batch: BatchRef) {
    return batches.batchUploadTotals(this.session, batch);
  }
  getBatchSettlement(batch: BatchRef) {
    return batches.getBatchSettlement(this.session, batch);
  }

  // Fees.
  getFeePlan(merchantId: string) {
    return fees.getFeePlan(this.session, merchantId);
  }
  listFeePlanVersions(merchantId: string) {
    return fees.listFeePlanVersions(this.session, merchantId);
  }
  listBins() {
    return fees.listBins(this.session);
  }
  listFeeTransactions(query: FeeTransactionQuery) {
    return fees.listFeeTransactions(this.session, query);
  }

  // Signed MAC folds.
  getSignedFold(session: FoldSession, fold: string) {
    return signedFolds.getSignedFold(this.session, session, fold);
  }

  // Telemetry.
  getTelemetryReport(key: TelemetryReportKey) {
    return telemetry.getTelemetryReport(this.session, key);
  }
  countTelemetryReceived(merchantId: string, terminalId: string, fromMs: number, toMs: number) {
    return telemetry.countTelemetryReceived(this.session, merchantId, terminalId, fromMs, toMs);
  }
  listTelemetryReports(page: TelemetryReportPage) {
    return telemetry.listTelemetryReports(this.session, page);
  }
  listTelemetryHours(page: TelemetryHourPage) {
    return telemetry.listTelemetryHours(this.session, page);
  }

  // Insight: what the dashboard reads (issue 15).
  tallyPayments(query: PaymentTallyQuery) {
    return insight.tallyPayments(this.session, query);
  }
  tallyDuplicates(query: PaymentTallyQuery) {
    return insight.tallyDuplicates(this.session, query);
  }
  countPaymentsInStatuses(merchantId: MerchantScope, statuses: readonly PaymentStatus[]) {
    return insight.countPaymentsInStatuses(this.session, merchantId, statuses);
  }
  readPaymentJournal(paymentIds: readonly string[], limit: number) {
    return insight.readPaymentJournal(this.session, paymentIds, limit);
  }
  listDuplicatesOfPayments(merchantId: string, paymentIds: readonly string[]) {
    return insight.listDuplicatesOfPayments(this.session, merchantId, paymentIds);
  }
  listTerminals(merchantId: MerchantScope, limit: number) {
    return insight.listTerminals(this.session, merchantId, limit);
  }
  listMerchants(limit: number) {
    return insight.listMerchants(this.session, limit);
  }
  getDashboardUser(merchantId: string, username: string) {
    return dashboardUsers.getDashboardUser(this.session, merchantId, username);
  }
  findDashboardUserByKey(merchantId: string, idempotencyKey: string) {
    return dashboardUsers.findDashboardUserByKey(this.session, merchantId, idempotencyKey);
  }
  listDashboardUsers(merchantId: string, limit: number) {
    return dashboardUsers.listDashboardUsers(this.session, merchantId, limit);
  }

  // Fleet diagnosis.
  listDiagnosisMerchants(afterId: string, limit: number) {
    return diagnosis.listDiagnosisMerchants(this.session, afterId, limit);
  }
  listDiagnosisPayments(page: DiagnosisPage<{ readonly createdAt: number; readonly id: string }>) {
    return diagnosis.listDiagnosisPayments(this.session, page);
  }
  listDiagnosisEvents(page: DiagnosisEventPage) {
    return diagnosis.listDiagnosisEvents(this.session, page);
  }
  listDiagnosisDuplicates(page: DiagnosisPage<{ readonly detectedAt: number; readonly id: string }>) {
    return diagnosis.listDiagnosisDuplicates(this.session, page);
  }

  // Operations keys.
  findOperationsKeyByHash(keyHash: string) {
    return operationsKeys.findOperationsKeyByHash(this.session, keyHash);
  }
  listOperationsKeys(limit: number) {
    return operationsKeys.listOperationsKeys(this.session, limit);
  }
}

class SqlTx extends SqlReader implements StoreTx {
  constructor(
    db: SqlConnection,
    driver: SqlDriver,
    private readonly heads: journal.JournalHeads | undefined,
    private readonly rrns: payments.RrnSupply,
  ) {
    super(db, driver);
  }

  // Directory of merchants and terminals.
  insertMerchant(merchant: NewMerchant) {
    return directory.insertMerchant(this.session, merchant);
  }
  insertDashboardUser(record: DashboardUserRecord) {
    return dashboardUsers.insertDashboardUser(this.session, record);
  }
  disableDashboardUser(merchantId: string, username: string, at: number) {
    return dashboardUsers.disableDashboardUser(this.session, merchantId, username, at);
  }
  insertTerminal(terminal: NewTerminal) {
    return directory.insertTerminal(this.session, terminal);
  }
  updateTerminal(merchantId: string, terminalId: string, patch: TerminalPatch) {
    return directory.updateTerminal(this.session, merchantId, terminalId, patch);
  }
  lockTerminal(merchantId: string, terminalId: string) {
    return directory.lockTerminal(this.session, merchantId, terminalId);
  }

  // Idempotency.
  insertRequest(record: RequestRecord) {
    return idempotency.insertRequest(this.session, record);
  }
  completeRequest(merchantId: string, idempotencyKey: string, answer: EngineAnswer) {
    return idempotency.completeRequest(this.session, merchantId, idempotencyKey, answer);
  }
  deleteExpiredRequests(now: number, limit: number) {
    return idempotency.deleteExpiredRequests(this.session, now, limit);
  }

  // Payments.
  lockPayment(id: string) {
    return payments.lockPayment(this.session, id);
  }
  insertPayment(payment: NewPayment) {
    return payments.insertPayment(this.session, payment);
  }
  updatePaymentStatus(id: string, expected: PaymentStatus, patch: PaymentPatch, now: number) {
    return payments.updatePaymentStatus(this.session, id, expected, patch, now);
  }
  nextRrn() {
    return this.rrns.next(this.session);
  }
  setShownCode(id: string, qrContent: string, now: number) {
    return payments.setShownCode(this.session, id, qrContent, now);
  }
  noteWalletTrade(id: string, trade: { tradeNo: string; payerFingerprint: string }, now: number) {
    return payments.noteWalletTrade(this.session, id, trade, now);
  }

  // Duplicates.
  insertDuplicate(record: DuplicateRecord) {
    return duplicates.insertDuplicate(this.session, record);
  }
  resolveDuplicate(id: string, patch: DuplicateResolutionPatch) {
    return duplicates.resolveDuplicate(this.session, id, patch);
  }
  findAwaitingDuplicate(merchantId: string, duplicateOf: string) {
    return duplicates.findAwaitingDuplicate(this.session, merchantId, duplicateOf);
  }

  // Reversal queue.
  enqueueReversal(record: NewReversal) {
    return reversals.enqueueReversal(this.session, record);
  }
  requeueReversal(paymentId: string, now: number) {
    return reversals.requeueReversal(this.session, paymentId, now);
  }
  claimReversals(input: ReversalClaim) {
    return reversals.claimReversals(this.session, input);
  }
  updateReversal(paymentId: string, owner: string, patch: ReversalPatch) {
    return reversals.updateReversal(this.session, paymentId, owner, patch);
  }
  hastenReversal(paymentId: string, at: number, now: number) {
    return reversals.hastenReversal(this.session, paymentId, at, now);
  }

  // Journal.
  appendJournal(event: JournalEvent) {
    return journal.appendJournal(this.session, this.heads, event);
  }

  // Batches.
  insertBatchUpload(record: BatchUploadRecord) {
    return batches.insertBatchUpload(this.session, record);
  }
  putBatchSettlement(record: BatchSettlementRecord) {
    return batches.putBatchSettlement(this.session, record);
  }

  // Fees.
  appendFeePlanVersion(record: FeePlanVersionRecord) {
    return fees.appendFeePlanVersion(this.session, record);
  }
  replaceBins(entries: readonly BinEntry[]) {
    return fees.replaceBins(this.session, entries);
  }

  // Host settings.
  claimSetting(name: string, value: string, now: number) {
    return hostSettings.claimSetting(this.session, name, value, now);
  }

  // Signed MAC folds.
  putSignedFold(session: FoldSession, fold: string, owner: FoldOwner, now: number) {
    return signedFolds.putSignedFold(this.session, session, fold, owner, now);
  }
  deleteSignedFoldsExcept(merchantId: string, terminalId: string, keepKeyDigest: string) {
    return signedFolds.deleteSignedFoldsExcept(this.session, merchantId, terminalId, keepKeyDigest);
  }

  // Telemetry.
  insertTelemetryReport(record: StoredTelemetryReport) {
    return telemetry.insertTelemetryReport(this.session, record);
  }
  claimTelemetryReportsBefore(beforeMs: number, limit: number) {
    return telemetry.claimTelemetryReportsBefore(this.session, beforeMs, limit);
  }
  deleteTelemetryReports(keys: readonly TelemetryReportKey[]) {
    return telemetry.deleteTelemetryReports(this.session, keys);
  }
  addTelemetryHour(hour: TelemetryHour) {
    return telemetry.addTelemetryHour(this.session, hour);
  }
  deleteTelemetryHoursBefore(beforeMs: number) {
    return telemetry.deleteTelemetryHoursBefore(this.session, beforeMs);
  }

  // Operations keys.
  insertOperationsKey(record: OperationsKeyRecord) {
    return operationsKeys.insertOperationsKey(this.session, record);
  }
  revokeOperationsKey(id: string, now: number) {
    return operationsKeys.revokeOperationsKey(this.session, id, now);
  }
}

/** A Store over any SqlDriver. */
export class SqlStore implements Store {
  readonly kind: 'sqlite' | 'postgres';

  readonly #heads: journal.JournalHeads | undefined;
  readonly #rrns = new payments.RrnSupply();

  constructor(private readonly driver: SqlDriver) {
    this.#heads = driver.cacheJournalHeads ? new Map() : undefined;
    this.kind = driver.dialect;
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.driver.transaction('write', (connection) =>
      fn(new SqlTx(connection, this.driver, this.#heads, this.#rrns)),
    );
  }

  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    return this.driver.transaction('read', (connection) => fn(new SqlReader(connection, this.driver)));
  }

  close(): Promise<void> {
    return this.driver.close();
  }
}
