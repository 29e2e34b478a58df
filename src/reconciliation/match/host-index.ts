// The two ways a settlement line or a terminal row finds its host row (spec, "Matching"): by RRN,
// and where the RRN is empty, by merchant_id + terminal_id + batch_no + stan (the idempotency key).
// Open addressing over host row numbers in one Int32Array each, comparing the host table's own key
// columns, so an index costs 8 bytes per row and no key object. Two host rows with the same RRN, or
// the same merchant + terminal + batch + STAN, make a journal posguard cannot have written: refused.
// A wallet's bill line finds its QR sale a third way, by the merchant order number (the host's
// side table of QR sales, indexed only when the day has some).
import { inputError } from '../read/input-error.js';
import { txnTypes } from '../tables/rows.js';
import type { HostTable } from '../tables/tables.js';
import type { TextDictionary } from '../tables/text-dictionary.js';

/** Mixes a key code (an integer below 2^53 in size) into 32 bits. */
export function mixCode(code: number): number {
  let h = Math.imul((code | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((code / 4294967296) | 0, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 13);
}

export function compositeHash(merchant: number, terminal: number, batch: number, stan: number): number {
  let h = mixCode(merchant);
  h = Math.imul(h ^ mixCode(terminal), 0x01000193);
  h = Math.imul(h ^ mixCode(batch), 0x01000193);
  h = Math.imul(h ^ mixCode(stan), 0x01000193);
  return h ^ (h >>> 16);
}

/** Slots for `rows` keys: a power of two, at most two-thirds full so linear probes stay short. */
export function capacityFor(rows: number): number {
  let capacity = 1024;
  while (capacity < rows * 1.5) capacity *= 2;
  return capacity;
}

const saleType = txnTypes.indexOf('sale');

export class HostIndex {
  // Each slot holds its key beside the row, so a probe touches one cache line: for RRNs the key code
  // itself (Float64 pairs: code, row + 1); for the composite key a 32-bit hash tag (Int32 pairs:
  // tag, row + 1) verified against the host columns only when the tag matches.
  private readonly byRrn: Float64Array;
  private readonly byKey: Int32Array;
  private readonly mask: number;
  /** Order number code and 1 + the row in host.qr, for QR sales; empty on a day of cards. */
  private readonly byOrder: Float64Array;
  private readonly orderMask: number;

  constructor(
    private readonly host: HostTable,
    dictionary: TextDictionary,
  ) {
    const capacity = capacityFor(host.length);
    this.mask = capacity - 1;
    this.byRrn = new Float64Array(capacity * 2);
    this.byKey = new Int32Array(capacity * 2);
    const { merchant, terminal, batch, stan, rrn } = host.c;
    for (let row = 0; row < host.length; row += 1) {
      const rrnCode = rrn[row]!;
      if (rrnCode !== 0) {
        const earlier = this.insertRrn(row, rrnCode);
        if (earlier >= 0) throw this.duplicate(row, earlier, `RRN ${dictionary.text(rrnCode)}`);
      }
      if (merchant[row] !== 0 && terminal[row] !== 0 && batch[row] !== 0 && stan[row] !== 0) {
        const earlier = this.insertKey(row);
        if (earlier >= 0) {
          const key = [merchant[row]!, terminal[row]!, batch[row]!, stan[row]!].map((code) =>
            dictionary.text(code),
          );
          throw this.duplicate(row, earlier, `merchant + terminal + batch + STAN ${key.join(' + ')}`);
        }
      }
    }
    const qr = host.qr;
    const orderCapacity = qr.length === 0 ? 1 : capacityFor(qr.length);
    this.orderMask = orderCapacity - 1;
    this.byOrder = new Float64Array(orderCapacity * 2);
    for (let q = 0; q < qr.length; q += 1) {
      const row = qr.c.row[q]!;
      if (host.c.txnType[row] !== saleType) continue;
      const earlier = this.insertOrder(q, qr.c.orderNo[q]!);
      if (earlier >= 0) {
        throw this.duplicate(row, qr.c.row[earlier]!, `order number ${dictionary.text(qr.c.orderNo[q]!)}`);
      }
    }
  }

  /** The row in host.qr of the QR sale with this order number code, or -1. */
  findByOrder(orderCode: number): number {
    if (orderCode === 0) return -1;
    const slots = this.byOrder;
    const mask = this.orderMask;
    for (let slot = mixCode(orderCode) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot * 2 + 1]!;
      if (entry === 0) return -1;
      if (slots[slot * 2] === orderCode) return entry - 1;
    }
  }

  /** Adds a QR sale by its order number; returns -1, or the earlier qr row holding the same number. */
  private insertOrder(q: number, orderCode: number): number {
    const slots = this.byOrder;
    const mask = this.orderMask;
    for (let slot = mixCode(orderCode) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot * 2 + 1]!;
      if (entry === 0) {
        slots[slot * 2] = orderCode;
        slots[slot * 2 + 1] = q + 1;
        return -1;
      }
      if (slots[slot * 2] === orderCode) return entry - 1;
    }
  }

  /** The host row with this RRN code, or -1. */
  findByRrn(rrnCode: number): number {
    const slots = this.byRrn;
    const mask = this.mask;
    for (let slot = mixCode(rrnCode) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot * 2 + 1]!;
      if (entry === 0) return -1;
      if (slots[slot * 2] === rrnCode) return entry - 1;
    }
  }

  /** The host row with this merchant + terminal + batch + STAN, or -1. */
  findByKey(merchantCode: number, terminalCode: number, batchCode: number, stanCode: number): number {
    const { merchant, terminal, batch, stan } = this.host.c;
    const slots = this.byKey;
    const mask = this.mask;
    const tag = compositeHash(merchantCode, terminalCode, batchCode, stanCode);
    for (let slot = tag & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot * 2 + 1]!;
      if (entry === 0) return -1;
      if (slots[slot * 2] !== tag) continue;
      const row = entry - 1;
      if (
        stan[row] === stanCode &&
        batch[row] === batchCode &&
        terminal[row] === terminalCode &&
        merchant[row] === merchantCode
      ) {
        return row;
      }
    }
  }

  /** Finds a row of another table by the spec's rule: RRN when it has one, else the full key. */
  find(
    rrnCode: number,
    merchantCode: number,
    terminalCode: number,
    batchCode: number,
    stanCode: number,
  ): number {
    if (rrnCode !== 0) return this.findByRrn(rrnCode);
    if (merchantCode === 0 || terminalCode === 0 || batchCode === 0 || stanCode === 0) return -1;
    return this.findByKey(merchantCode, terminalCode, batchCode, stanCode);
  }

  /** Adds a row by RRN; returns -1, or the earlier row holding the same RRN. */
  private insertRrn(row: number, rrnCode: number): number {
    const slots = this.byRrn;
    const mask = this.mask;
    for (let slot = mixCode(rrnCode) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot * 2 + 1]!;
      if (entry === 0) {
        slots[slot * 2] = rrnCode;
        slots[slot * 2 + 1] = row + 1;
        return -1;
      }
      if (slots[slot * 2] === rrnCode) return entry - 1;
    }
  }

  /** Adds a row by its composite key; returns -1, or the earlier row holding the same key. */
  private insertKey(row: number): number {
    const { merchant, terminal, batch, stan } = this.host.c;
    const slots = this.byKey;
    const mask = this.mask;
    const tag = compositeHash(merchant[row]!, terminal[row]!, batch[row]!, stan[row]!);
    for (let slot = tag & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot * 2 + 1]!;
      if (entry === 0) {
        slots[slot * 2] = tag;
        slots[slot * 2 + 1] = row + 1;
        return -1;
      }
      const other = entry - 1;
      if (
        slots[slot * 2] === tag &&
        stan[other] === stan[row] &&
        batch[other] === batch[row] &&
        terminal[other] === terminal[row] &&
        merchant[other] === merchant[row]
      ) {
        return other;
      }
    }
  }

  private duplicate(row: number, earlier: number, what: string): Error {
    return inputError(
      'POS_ERR_RECON_DUPLICATE_HOST_KEY',
      { file: this.host.source, line: this.host.c.line[row]! },
      `${what} is also on line ${this.host.c.line[earlier]!} (expected each host payment once: RRN, merchant + terminal + batch + STAN and a QR sale's order number are unique in posguard's journal)`,
    );
  }
}
