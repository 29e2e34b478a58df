// The store port: everything the engine keeps durably, behind one async interface that the
// SQLite and PostgreSQL adapters both implement and one contract suite (`store/store.contract.ts`)
// checks. It is composed of one narrow port per concern (directory, idempotency, payments,
// duplicates, reversal queue, journal, batches, host settings, fees, signed MAC folds, telemetry, the diagnosis's reads, operations keys, the dashboard's insight reads and users), so a use
// case can name the slice it needs. Work happens inside `transaction` (atomic, isolated, durable
// on commit) or `read`. Transaction callbacks may run more than once (a PostgreSQL serialization
// retry), so they must only touch the store: never the upstream, never the network.
import type { BatchReader, BatchWriter } from './batch-store.js';
import type { DirectoryReader, DirectoryWriter } from './directory-store.js';
import type { DuplicateReader, DuplicateWriter } from './duplicate-store.js';
import type { FeeReader, FeeWriter } from './fee-store.js';
import type { HostSettingWriter } from './host-setting-store.js';
import type { IdempotencyReader, IdempotencyWriter } from './idempotency-store.js';
import type { JournalReader, JournalWriter } from './journal-store.js';
import type { PaymentReader, PaymentWriter } from './payment-store.js';
import type { ReversalReader, ReversalWriter } from './reversal-store.js';
import type { SignedFoldReader, SignedFoldWriter } from './signed-fold-store.js';
import type { TelemetryReader, TelemetryWriter } from '../../diagnostics/ports/telemetry-store.js';
import type { DiagnosisReader } from '../../diagnostics/ports/diagnosis-source.js';
import type { OperationsKeyReader, OperationsKeyWriter } from './operations-key-store.js';
import type { DashboardUserReader, DashboardUserWriter } from './dashboard-user-store.js';
import type { InsightReader } from './insight-store.js';

/** Reads: available inside and outside write transactions. */
export interface StoreReader
  extends
    DirectoryReader,
    IdempotencyReader,
    PaymentReader,
    DuplicateReader,
    ReversalReader,
    JournalReader,
    BatchReader,
    FeeReader,
    SignedFoldReader,
    TelemetryReader,
    DiagnosisReader,
    OperationsKeyReader,
    InsightReader,
    DashboardUserReader {}

/** One write transaction: every read, and every concern's writes. */
export interface StoreTx
  extends
    StoreReader,
    DirectoryWriter,
    IdempotencyWriter,
    PaymentWriter,
    DuplicateWriter,
    ReversalWriter,
    JournalWriter,
    BatchWriter,
    HostSettingWriter,
    FeeWriter,
    SignedFoldWriter,
    TelemetryWriter,
    OperationsKeyWriter,
    DashboardUserWriter {}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Reads outside a write transaction. Each statement sees committed data; a read of several
   * statements is not promised one snapshot across them (SQLite gives one, PostgreSQL does not).
   */
  read<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
