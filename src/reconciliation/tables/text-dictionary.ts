// Key codes: how text keys (RRN, merchant, terminal, batch, STAN, currency) are held as numbers so
// millions of rows fit in typed arrays and compare in one instruction. A key of digits only, short
// enough, is coded as 10^length + value ("000123" -> 1_000_123: leading zeros kept, no string made);
// any other text gets a dictionary id, coded as -(id + 1); the empty key is 0. Codes are reversible
// (`text(code)`), so reports show the original text. One dictionary is shared by every table that
// is compared, so equal text means equal code across files.
import { assert } from '../../assert.js';
import { PosError } from '../../pos-error.js';

/** Widest all-digit key coded without the dictionary in a Float64 column (10^15 + value < 2^53). */
export const wideDigits = 15;
/** Widest all-digit key coded without the dictionary in an Int32 column (10^8 + value < 2^31). */
export const narrowDigits = 8;

const powersOfTen: number[] = Array.from({ length: wideDigits + 1 }, (_, n) => 10 ** n);

/** The most distinct non-digit texts one run may hold; past it the input is not a sane day file. */
export const maxDictionaryTexts = 50_000_000;

export class TextDictionary {
  private readonly ids = new Map<string, number>();
  private readonly texts: string[] = [];
  // Byte-level cache in front of `ids`, so repeated texts are found without decoding a string:
  // open addressing over (hash -> id + 1), verified against a copy of the bytes in `arena`.
  private slots = new Int32Array(1024);
  private hashes = new Int32Array(256);
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  private arena = Buffer.alloc(4096);
  private arenaUsed = 0;

  get size(): number {
    return this.texts.length;
  }

  /** Codes `buffer[start, end)` for a column holding all-digit keys of up to `maxDigits` digits. */
  codeBytes(buffer: Buffer, start: number, end: number, maxDigits: number): number {
    const length = end - start;
    if (length === 0) return 0;
    if (length <= maxDigits) {
      let value = 0;
      let i = start;
      for (; i < end; i += 1) {
        const digit = buffer[i]! - 48;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
      }
      if (i === end) return powersOfTen[length]! + value;
    }
    return -(this.idOfBytes(buffer, start, end) + 1);
  }

  /** The same code as `codeBytes` would give for the UTF-8 bytes of `text`. */
  codeText(text: string, maxDigits: number): number {
    if (text === '') return 0;
    if (text.length <= maxDigits && /^\d+$/.test(text)) return powersOfTen[text.length]! + Number(text);
    return -(this.idOfText(text) + 1);
  }

  text(code: number): string {
    if (code === 0) return '';
    if (code > 0) return String(code).slice(1);
    const text = this.texts[-code - 1];
    assert(text !== undefined, `key code ${code} is in the dictionary`);
    return text;
  }

  /** All texts by id, to carry a dictionary across a thread boundary. */
  allTexts(): readonly string[] {
    return this.texts;
  }

  idOfText(text: string): number {
    const known = this.ids.get(text);
    if (known !== undefined) return known;
    const id = this.texts.length;
    if (id >= maxDictionaryTexts) {
      throw new PosError(
        'POS_ERR_RECON_TOO_BIG',
        `more than ${maxDictionaryTexts} distinct non-numeric keys (RRNs, merchant or terminal ids) in one run; split the day`,
      );
    }
    this.ids.set(text, id);
    this.texts.push(text);
    return id;
  }

  private idOfBytes(buffer: Buffer, start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i += 1) hash = Math.imul(hash ^ buffer[i]!, 0x01000193);
    const mask = this.slots.length - 1;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === hash && this.lengths[id] === length) {
        const at = this.starts[id]!;
        let i = 0;
        while (i < length && this.arena[at + i] === buffer[start + i]) i += 1;
        if (i === length) return id;
      }
    }
    const id = this.idOfText(buffer.toString('utf8', start, end));
    this.remember(id, hash, buffer, start, end);
    return id;
  }

  private remember(id: number, hash: number, buffer: Buffer, start: number, end: number): void {
    if (id >= this.hashes.length) {
      this.hashes = grownInt32(this.hashes, id + 1);
      this.starts = grownInt32(this.starts, id + 1);
      this.lengths = grownInt32(this.lengths, id + 1);
    }
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const bigger = Buffer.alloc(Math.max(this.arena.length * 2, this.arenaUsed + length));
      this.arena.copy(bigger, 0, 0, this.arenaUsed);
      this.arena = bigger;
    }
    buffer.copy(this.arena, this.arenaUsed, start, end);
    this.hashes[id] = hash;
    this.starts[id] = this.arenaUsed;
    this.lengths[id] = length;
    this.arenaUsed += length;
    if ((this.texts.length + 1) * 2 > this.slots.length) this.rehash();
    this.insertSlot(id);
  }

  private insertSlot(id: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[id]! & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id + 1;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (const entry of old) if (entry !== 0) this.insertSlot(entry - 1);
  }
}

function grownInt32(array: Int32Array<ArrayBuffer>, atLeast: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(Math.max(array.length * 2, atLeast));
  bigger.set(array);
  return bigger;
}
