// The reconciliation entry point: reads the three sources into tables and classifies them. A source
// is a v1 CSV file, an acquirer file read through a mapping profile (settlement only), or typed rows
// from anywhere else (the store, a test): every kind ends in the same tables and the same matcher.
// With two threads, settlement and terminal files are parsed on a worker thread while this thread
// reads the host journal.
import { PosError } from '../pos-error.js';
import { defaultDuplicateWindowS } from '../merchants/merchant-admin.js';
import { classify } from './match/classifier.js';
import { zeroPerKind } from './match/exception-kinds.js';
import type { ReconciliationResult } from './match/reconciliation-result.js';
import { HostIndex } from './match/host-index.js';
import { readHostJournal } from './read/host-journal-reader.js';
import type { MappingProfile } from './read/mapping-profile.js';
import type { WalletBillExpectations } from './read/bill-layout.js';
import type { Wallet } from '../payments/ports/wallet.js';
import { parseInWorker, type WorkerJob } from './read/parse-worker-client.js';
import { readWithProfile } from './read/profile-reader.js';
import type { HostRow, SettlementRow, TerminalRow } from './tables/rows.js';
import { readSettlementFile } from './read/settlement-file-reader.js';
import {
  appendHostRow,
  appendSettlementRow,
  appendTerminalRow,
  newHostTable,
  newSettlementTable,
  newTerminalTable,
  type HostTable,
  type SettlementTable,
  type TerminalTable,
  walletCode,
} from './tables/tables.js';
import { readTerminalJournal } from './read/terminal-journal-reader.js';
import { TextDictionary } from './tables/text-dictionary.js';

export type { ReconciliationResult } from './match/reconciliation-result.js';

/**
 * Typed rows from any source; `name` stands for the file name in reports and errors. Settlement
 * rows that are a wallet's bill name the wallet, and each carries its `qr` order number.
 */
export interface RowsSource<Row> {
  readonly kind: 'rows';
  readonly name: string;
  readonly rows: AsyncIterable<Row> | Iterable<Row>;
  readonly wallet?: Wallet;
}

/**
 * A file on disk. `name`, when given, is what errors and reports call it instead of its path: an
 * upload kept in a temporary file is named as its sender named it, so an error points into the
 * file they have. Without it (the CLI) the path is the name, and nothing else changes.
 */
export interface CsvSource {
  readonly kind: 'csv';
  readonly path: string;
  readonly name?: string;
}

export interface ProfileSource {
  readonly kind: 'profile';
  readonly path: string;
  readonly name?: string;
  readonly profile: MappingProfile;
  /** For a wallet's bill: the merchant (and app) it must be of. */
  readonly expect?: WalletBillExpectations;
}

export type HostSource = CsvSource | RowsSource<HostRow>;
export type TerminalSource = CsvSource | RowsSource<TerminalRow>;
export type SettlementSource = CsvSource | ProfileSource | RowsSource<SettlementRow>;

export type SourceName = 'host' | 'settlement' | 'terminal';

export interface Progress {
  readonly source: SourceName;
  readonly rows: number;
  readonly bytesRead: number;
}

export interface ReconcileOptions {
  readonly host: HostSource;
  readonly settlement: SettlementSource;
  readonly terminal?: TerminalSource | undefined;
  readonly duplicateWindowS?: number;
  /** The longest CSV record accepted, in bytes (csv-scanner.ts has the default). */
  readonly maxRecordBytes?: number;
  /** 2 (the default) parses settlement and terminal files on a worker thread. */
  readonly threads?: 1 | 2;
  readonly onProgress?: (progress: Progress) => void;
}

/** The name a source goes by in reports. */
export function sourceName(source: HostSource | TerminalSource | SettlementSource): string {
  return source.kind === 'rows' ? source.name : (source.name ?? source.path);
}

/** A file source's reader options: its name, and its path when the name is not the path. */
function fileOf(source: CsvSource | ProfileSource): { file: string; path?: string } {
  return source.name === undefined ? { file: source.path } : { file: source.name, path: source.path };
}

/** The run's steps in the order they happen: sources, worker, host, matching. */
export async function reconcile(options: ReconcileOptions): Promise<ReconciliationResult> {
  const dictionary = new TextDictionary();
  const duplicateWindowS = options.duplicateWindowS ?? defaultDuplicateWindowS;
  const common = {
    dictionary,
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  };
  const progress = (source: SourceName) => (p: { rows: number; bytesRead: number }) =>
    options.onProgress?.({ source, ...p });

  const jobs = options.threads === 1 ? [] : workerJobs(options);
  const worker = jobs.length > 0 ? parseInWorker(jobs, (p) => options.onProgress?.(p)) : undefined;
  let host: HostTable;
  let index: HostIndex;
  try {
    host = await readHost(options.host, common, progress('host'));
    // Indexing here overlaps with the worker still parsing.
    index = new HostIndex(host, dictionary);
  } catch (error) {
    await worker?.cancel();
    throw error;
  }
  const parsed = worker === undefined ? undefined : await worker.result(dictionary);

  const settlement =
    parsed?.settlement ?? (await readSettlement(options.settlement, common, progress('settlement')));
  const terminal =
    options.terminal === undefined
      ? undefined
      : (parsed?.terminal ?? (await readTerminal(options.terminal, common, progress('terminal'))));

  const { exceptions, matched } = classify({
    host,
    settlement,
    terminal,
    dictionary,
    duplicateWindowS,
    index,
  });
  const totals = exceptions.totals();
  const { settledAmountMinor, feesMinor } = settledSums(settlement, Object.values(totals.amounts));
  return {
    hostRows: host.length,
    terminalRows: terminal?.length ?? 0,
    settlementRows: settlement.length,
    matched,
    exceptionCounts: { ...zeroPerKind(), ...totals.counts },
    amounts: { ...zeroPerKind(), ...totals.amounts },
    settledAmountMinor,
    feesMinor,
    duplicateWindowS,
    exceptions,
  };
}

/** Files that can go to the worker: the settlement file and the terminal journal. */
function workerJobs(options: ReconcileOptions): WorkerJob[] {
  const jobs: WorkerJob[] = [];
  if (options.settlement.kind !== 'rows')
    jobs.push(workerJob('settlement', options.settlement, options.maxRecordBytes));
  if (options.terminal !== undefined && options.terminal.kind === 'csv') {
    jobs.push(workerJob('terminal', options.terminal, options.maxRecordBytes));
  }
  return jobs;
}

/**
 * What was settled and the fees charged on it, checked with the exceptions' amounts: sums of whole
 * fen stay exact below 2^53 (90 trillion yuan); past that the figures would lie.
 */
function settledSums(
  settlement: SettlementTable,
  exceptionAmounts: readonly number[],
): { settledAmountMinor: number; feesMinor: number } {
  let settledAmountMinor = 0;
  let feesMinor = 0;
  for (let row = 0; row < settlement.length; row += 1) {
    settledAmountMinor += settlement.c.amount[row]!;
    feesMinor += Math.max(0, settlement.c.fee[row]!);
  }
  const sums = [settledAmountMinor, feesMinor, ...exceptionAmounts];
  if (!sums.every((sum) => Number.isSafeInteger(sum))) {
    throw new PosError('POS_ERR_RECON_TOO_BIG', "the day's amounts add up past 2^53 fen; split the day");
  }
  return { settledAmountMinor, feesMinor };
}

function workerJob(
  name: 'settlement' | 'terminal',
  source: CsvSource | ProfileSource,
  maxRecordBytes: number | undefined,
): WorkerJob {
  return {
    name,
    path: source.path,
    ...(source.name === undefined ? {} : { fileName: source.name }),
    ...(source.kind === 'profile' ? { profile: source.profile } : {}),
    ...(source.kind === 'profile' && source.expect !== undefined ? { wallet: source.expect } : {}),
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
  };
}

type Common = { dictionary: TextDictionary; maxRecordBytes?: number };
type OnProgress = (p: { rows: number; bytesRead: number }) => void;

/** How often a typed-row source reports progress, in rows. */
const rowsProgressEvery = 65_536;

/** Appends every row of a typed source, its position standing for the line number. */
async function readRows<Row, T extends { length: number; fromRows: boolean }>(
  rows: AsyncIterable<Row> | Iterable<Row>,
  table: T,
  append: (table: T, row: Row, line: number) => void,
  onProgress: OnProgress,
): Promise<T> {
  table.fromRows = true;
  for await (const row of rows) {
    append(table, row, table.length + 1);
    if (table.length % rowsProgressEvery === 0) onProgress({ rows: table.length, bytesRead: 0 });
  }
  onProgress({ rows: table.length, bytesRead: 0 });
  return table;
}

async function readHost(source: HostSource, common: Common, onProgress: OnProgress): Promise<HostTable> {
  if (source.kind === 'csv') return readHostJournal({ ...common, ...fileOf(source), onProgress });
  const append = (t: HostTable, row: HostRow, line: number): void =>
    appendHostRow(t, common.dictionary, row, line);
  return readRows(source.rows, newHostTable(source.name), append, onProgress);
}

async function readSettlement(
  source: SettlementSource,
  common: Common,
  onProgress: OnProgress,
): Promise<SettlementTable> {
  if (source.kind === 'csv') return readSettlementFile({ ...common, ...fileOf(source), onProgress });
  if (source.kind === 'profile') {
    return readWithProfile({
      ...common,
      ...fileOf(source),
      profile: source.profile,
      ...(source.expect === undefined ? {} : { expect: source.expect }),
      onProgress,
    });
  }
  const append = (t: SettlementTable, row: SettlementRow, line: number): void =>
    appendSettlementRow(t, common.dictionary, row, line);
  const wallet = source.wallet === undefined ? 0 : walletCode(source.wallet);
  return readRows(source.rows, newSettlementTable(source.name, undefined, wallet), append, onProgress);
}

async function readTerminal(
  source: TerminalSource,
  common: Common,
  onProgress: OnProgress,
): Promise<TerminalTable> {
  if (source.kind === 'csv') return readTerminalJournal({ ...common, ...fileOf(source), onProgress });
  const append = (t: TerminalTable, row: TerminalRow, line: number): void =>
    appendTerminalRow(t, common.dictionary, row, line);
  return readRows(source.rows, newTerminalTable(source.name), append, onProgress);
}
