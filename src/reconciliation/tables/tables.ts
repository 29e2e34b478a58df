// The columnar form of the three row kinds: one typed array per field, keys held as key codes
// (text-dictionary.ts), so a day of ten million rows costs under 90 bytes a row and no object per
// row. Readers append into these; the matcher reads them. A table's arrays can be handed to another
// thread without copying (`toTransfer`/`fromTransfer`).
import { assert } from '../../assert.js';
import { PosError } from '../../pos-error.js';
import {
  hostStatuses,
  settlementTxnTypes,
  terminalResults,
  txnTypes,
  type HostRow,
  type SettlementRow,
  type TerminalRow,
} from './rows.js';
import { entryModes } from '../../payments/payment.js';
import { wallets, type Wallet } from '../../payments/ports/wallet.js';
import { narrowDigits, wideDigits, type TextDictionary } from './text-dictionary.js';

type ColumnKind = 'wideKey' | 'narrowKey' | 'f64' | 'i32' | 'u8';
type Schema = Readonly<Record<string, ColumnKind>>;
type ArrayOf<K extends ColumnKind> = K extends 'wideKey' | 'f64'
  ? Float64Array
  : K extends 'narrowKey' | 'i32'
    ? Int32Array
    : Uint8Array;
type Columns<S extends Schema> = { [Name in keyof S]: ArrayOf<S[Name]> };

/** The most rows one table may hold: typed arrays are indexed by Int32 in the indexes. */
export const maxTableRows = 500_000_000;

function allocate(kind: ColumnKind, capacity: number): Float64Array | Int32Array | Uint8Array {
  switch (kind) {
    case 'wideKey':
    case 'f64':
      return new Float64Array(capacity);
    case 'narrowKey':
    case 'i32':
      return new Int32Array(capacity);
    case 'u8':
      return new Uint8Array(capacity);
  }
}

export interface TransferredTable {
  readonly source: string;
  readonly length: number;
  readonly columns: Readonly<Record<string, Float64Array | Int32Array | Uint8Array>>;
}

export class Table<S extends Schema> {
  length = 0;
  c: Columns<S>;
  /** True when the rows were handed over (the store, the simulator), not read from a file's lines. */
  fromRows = false;
  private capacity: number;

  constructor(
    readonly schema: S,
    /** What the rows came from (a file path, or a source's name), for reports and errors. */
    readonly source: string,
    initialCapacity = 1024,
  ) {
    this.capacity = Math.max(16, Math.min(maxTableRows, initialCapacity));
    this.c = this.allocateColumns(this.capacity, undefined);
  }

  /** Where a row sits, for a reader: its file and line, or its place among the rows handed over. */
  placeOf(line: number): string {
    if (this.fromRows) return `${this.source}, row ${line}`;
    const at = Math.max(this.source.lastIndexOf('/'), this.source.lastIndexOf('\\'));
    return `${at === -1 ? this.source : this.source.slice(at + 1)} line ${line}`;
  }

  /** Makes room for one more row and returns its index. */
  add(): number {
    if (this.length === this.capacity) this.grow();
    const row = this.length;
    this.length += 1;
    return row;
  }

  toTransfer(): { table: TransferredTable; transfer: ArrayBuffer[] } {
    const columns: Record<string, Float64Array | Int32Array | Uint8Array> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of Object.keys(this.schema)) {
      const array = this.c[name] as Float64Array | Int32Array | Uint8Array;
      columns[name] = array;
      transfer.push(array.buffer as ArrayBuffer);
    }
    return { table: { source: this.source, length: this.length, columns }, transfer };
  }

  static fromTransfer<S extends Schema>(schema: S, transferred: TransferredTable): Table<S> {
    const table = new Table(schema, transferred.source, 16);
    for (const name of Object.keys(schema)) {
      const array = transferred.columns[name];
      assert(
        array !== undefined && array.length >= transferred.length,
        `transferred column ${name} is whole`,
      );
      (table.c as Record<string, unknown>)[name] = array;
    }
    table.length = transferred.length;
    table.capacity = Math.min(...Object.values(transferred.columns).map((a) => a.length));
    return table;
  }

  /** Rewrites every dictionary code in the key columns (used when a table crosses dictionaries). */
  remapKeys(remap: (code: number) => number): void {
    for (const [name, kind] of Object.entries(this.schema)) {
      if (kind !== 'wideKey' && kind !== 'narrowKey') continue;
      const array = this.c[name] as Float64Array | Int32Array;
      for (let i = 0; i < this.length; i += 1) {
        const code = array[i]!;
        if (code < 0) array[i] = remap(code);
      }
    }
  }

  private grow(): void {
    if (this.capacity >= maxTableRows) {
      throw new PosError(
        'POS_ERR_RECON_TOO_BIG',
        `${this.source}: more than ${maxTableRows} rows (the most one run reconciles); split the day`,
        { details: { file: this.source } },
      );
    }
    this.capacity = Math.min(maxTableRows, Math.ceil(this.capacity * 1.5));
    this.c = this.allocateColumns(this.capacity, this.c);
  }

  private allocateColumns(capacity: number, from: Columns<S> | undefined): Columns<S> {
    const columns: Record<string, Float64Array | Int32Array | Uint8Array> = {};
    for (const [name, kind] of Object.entries(this.schema)) {
      const array = allocate(kind, capacity);
      if (from !== undefined)
        array.set((from as Record<string, Float64Array>)[name]!.subarray(0, this.length));
      columns[name] = array;
    }
    return columns as Columns<S>;
  }
}

/** Shared by the three row kinds: where the row sits, and the fields every match uses. */
const keyColumns = {
  merchant: 'wideKey',
  terminal: 'narrowKey',
  batch: 'narrowKey',
  stan: 'narrowKey',
  rrn: 'wideKey',
  /** Epoch ms; NaN when unknown. */
  time: 'f64',
  /** Index into txnTypes (settlementTxnTypes for the settlement table). */
  txnType: 'u8',
  /** Physical line in the source file (1-based), or the row's position for other sources. */
  line: 'f64',
} as const;

export const hostSchema = {
  ...keyColumns,
  originalRrn: 'wideKey',
  /** Index into hostStatuses. */
  status: 'u8',
  amount: 'f64',
  currency: 'narrowKey',
  fingerprintHigh: 'i32',
  fingerprintLow: 'i32',
  /** 0 unknown, else 1 + index into entryModes. */
  entryMode: 'u8',
  /** hostFlags bits. */
  flags: 'u8',
} as const;

export const hostFlags = { duplicateConfirmed: 1, hasFingerprint: 2 } as const;

/**
 * A host row's wallet sits in bits 2 and 3 of its flags: 0 for a card payment, else 1 + the
 * wallet's index in `wallets` (walletCode). A day of cards so pays nothing for QR.
 */
const walletShift = 2;
export const walletCode = (wallet: Wallet): number => 1 + wallets.indexOf(wallet);
export const walletOfCode = (code: number): Wallet | undefined => wallets[code - 1];
export const hostWallet = (flags: number): number => (flags >> walletShift) & 3;
export const withWallet = (flags: number, code: number): number => flags | (code << walletShift);

/**
 * A QR payment's order and trade numbers, beside the row they belong to in a host table (its QR
 * sales) or a settlement table (every line of a wallet's bill): a side table, so the columns cost
 * nothing on a day of cards. Rows are added in the main table's order, so `row` ascends.
 */
export const qrSchema = {
  row: 'i32',
  orderNo: 'wideKey',
  tradeNo: 'wideKey',
} as const;
export type QrTable = Table<typeof qrSchema>;

export const terminalSchema = {
  ...keyColumns,
  /** Index into terminalResults. */
  result: 'u8',
  /** Fen; -1 when unknown. */
  amount: 'f64',
} as const;

export const settlementSchema = {
  ...keyColumns,
  amount: 'f64',
  /** Fen; -1 when unknown. */
  fee: 'f64',
  currency: 'narrowKey',
} as const;

export type HostTable = Table<typeof hostSchema> & { readonly qr: QrTable };
export type TerminalTable = Table<typeof terminalSchema>;
/**
 * `wallet` is 0 for an acquirer's settlement file and walletCode(w) for wallet w's bill, whose every
 * line then has its row in `qr` (qr row i is line i). One run reconciles one of them.
 */
export type SettlementTable = Table<typeof settlementSchema> & { readonly qr: QrTable; wallet: number };

export const newHostTable = (source: string, capacity?: number): HostTable =>
  Object.assign(new Table(hostSchema, source, capacity), { qr: new Table(qrSchema, source, 16) });
export const newTerminalTable = (source: string, capacity?: number): TerminalTable =>
  new Table(terminalSchema, source, capacity);
export const newSettlementTable = (source: string, capacity?: number, wallet = 0): SettlementTable =>
  Object.assign(new Table(settlementSchema, source, capacity), {
    qr: new Table(qrSchema, source, wallet === 0 ? 16 : capacity),
    wallet,
  });

/** The row in `table.qr` of the main table's `row`, or -1 (binary search: qr rows ascend). */
export function qrRowOf(table: { readonly qr: QrTable }, row: number): number {
  const rows = table.qr.c.row;
  let low = 0;
  let high = table.qr.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = rows[middle]!;
    if (at === row) return middle;
    if (at < row) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/**
 * Two trade number codes of one order that name different trades: a bill's line is then not the
 * host's sale (0 is a number one side does not know).
 */
export function tradesDiffer(billTrade: number, hostTrade: number): boolean {
  return billTrade !== 0 && hostTrade !== 0 && billTrade !== hostTrade;
}

/** Adds the QR keys of a main table's `row`. */
export function appendQr(qr: QrTable, row: number, orderNo: number, tradeNo: number): void {
  const at = qr.add();
  qr.c.row[at] = row;
  qr.c.orderNo[at] = orderNo;
  qr.c.tradeNo[at] = tradeNo;
}

/**
 * Hashes a card fingerprint's UTF-8 bytes into two 32-bit words (two multiplicative mixes with
 * different seeds and constants), written to `out`. Two cards are taken for one only if both words
 * collide, and the matcher compares fingerprints only within one terminal, amount and window.
 */
export function hashFingerprint(buffer: Uint8Array, start: number, end: number, out: Int32Array): void {
  let high = 0x811c9dc5;
  let low = 0x9747b28c;
  let i = start;
  // Four bytes per step; the tail byte by byte.
  for (; i + 4 <= end; i += 4) {
    const word = buffer[i]! | (buffer[i + 1]! << 8) | (buffer[i + 2]! << 16) | (buffer[i + 3]! << 24);
    high = Math.imul(high ^ word, 0x01000193);
    high ^= high >>> 13;
    low = Math.imul(low ^ word, 0x5bd1e995);
    low ^= low >>> 15;
  }
  for (; i < end; i += 1) {
    high = Math.imul(high ^ buffer[i]!, 0x01000193);
    low = Math.imul(low ^ buffer[i]!, 0x5bd1e995);
    low ^= low >>> 15;
  }
  out[0] = high;
  out[1] = low;
}

const fingerprintScratch = new Int32Array(2);

function setKeys(
  table: HostTable | TerminalTable | SettlementTable,
  row: number,
  dictionary: TextDictionary,
  input: { merchantId: string; terminalId: string; batchNo: string; stan: string; rrn: string },
): void {
  table.c.merchant[row] = dictionary.codeText(input.merchantId, wideDigits);
  table.c.terminal[row] = dictionary.codeText(input.terminalId, narrowDigits);
  table.c.batch[row] = dictionary.codeText(input.batchNo, narrowDigits);
  table.c.stan[row] = dictionary.codeText(input.stan, narrowDigits);
  table.c.rrn[row] = dictionary.codeText(input.rrn, wideDigits);
}

/** Appends a HostRow object (the path for sources other than the CSV reader, such as the store). */
export function appendHostRow(
  table: HostTable,
  dictionary: TextDictionary,
  input: HostRow,
  line: number,
): void {
  const row = table.add();
  setKeys(table, row, dictionary, input);
  const c = table.c;
  c.originalRrn[row] = dictionary.codeText(input.originalRrn, wideDigits);
  c.time[row] = input.txnTimeMs ?? Number.NaN;
  c.txnType[row] = txnTypes.indexOf(input.txnType);
  c.status[row] = hostStatuses.indexOf(input.status);
  c.amount[row] = input.amountMinor;
  c.currency[row] = dictionary.codeText(input.currency, narrowDigits);
  let flags = input.duplicateConfirmed ? hostFlags.duplicateConfirmed : 0;
  if (input.cardFingerprint !== '') {
    const bytes = Buffer.from(input.cardFingerprint, 'utf8');
    hashFingerprint(bytes, 0, bytes.length, fingerprintScratch);
    c.fingerprintHigh[row] = fingerprintScratch[0]!;
    c.fingerprintLow[row] = fingerprintScratch[1]!;
    flags |= hostFlags.hasFingerprint;
  }
  c.entryMode[row] = input.entryMode === null ? 0 : 1 + entryModes.indexOf(input.entryMode);
  const qr = input.qr ?? null;
  if (qr !== null) {
    flags = withWallet(flags, walletCode(qr.wallet));
    appendQr(
      table.qr,
      row,
      dictionary.codeText(qr.orderNo, wideDigits),
      dictionary.codeText(qr.tradeNo, wideDigits),
    );
    if (qr.payerFingerprint !== '') {
      // The payer's fingerprint stands where a card's would: the duplicate rule reads one column.
      const bytes = Buffer.from(qr.payerFingerprint, 'utf8');
      hashFingerprint(bytes, 0, bytes.length, fingerprintScratch);
      c.fingerprintHigh[row] = fingerprintScratch[0]!;
      c.fingerprintLow[row] = fingerprintScratch[1]!;
      flags |= hostFlags.hasFingerprint;
    }
  }
  c.flags[row] = flags;
  c.line[row] = line;
}

export function appendTerminalRow(
  table: TerminalTable,
  dictionary: TextDictionary,
  input: TerminalRow,
  line: number,
): void {
  const row = table.add();
  setKeys(table, row, dictionary, input);
  const c = table.c;
  c.time[row] = input.txnTimeMs ?? Number.NaN;
  c.txnType[row] = txnTypes.indexOf(input.txnType);
  c.result[row] = terminalResults.indexOf(input.result);
  c.amount[row] = input.amountMinor ?? -1;
  c.line[row] = line;
}

export function appendSettlementRow(
  table: SettlementTable,
  dictionary: TextDictionary,
  input: SettlementRow,
  line: number,
): void {
  const row = table.add();
  setKeys(table, row, dictionary, input);
  const c = table.c;
  c.time[row] = input.txnTimeMs ?? Number.NaN;
  c.txnType[row] = settlementTxnTypes.indexOf(input.txnType);
  c.amount[row] = input.amountMinor;
  c.fee[row] = input.feeMinor ?? -1;
  c.currency[row] = dictionary.codeText(input.currency, narrowDigits);
  c.line[row] = line;
  const qr = input.qr ?? null;
  if ((qr !== null) !== (table.wallet !== 0)) {
    throw new PosError(
      'POS_ERR_RECON_BAD_VALUE',
      `${table.placeOf(line)}: ${table.wallet === 0 ? "an acquirer's settlement line cannot carry a wallet order number" : "every line of a wallet's bill carries its order number"}`,
      { details: { file: table.source, line, column: null } },
    );
  }
  if (qr !== null) {
    appendQr(
      table.qr,
      row,
      dictionary.codeText(qr.orderNo, wideDigits),
      dictionary.codeText(qr.tradeNo, wideDigits),
    );
  }
}
