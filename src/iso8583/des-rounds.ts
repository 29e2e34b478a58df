// DES (FIPS 46-3) in plain JavaScript, for the MAC of every ISO 8583 message. node:crypto's cipher
// costs about 3.5 µs a call in its binding and buffers, whatever the length, and the CUP MAC makes
// two dependent one-block calls per message: here a block is about 50 table look-ups on 32-bit
// numbers. The tables are built at load from the standard's own tables (S-boxes, P, E, IP, PC-1,
// PC-2), so what is written here can be checked against FIPS 46-3 line by line; des.test.ts checks
// the result against OpenSSL on random keys and blocks. Like OpenSSL's DES, it looks tables up by
// data-dependent index (no constant time); what it protects is a MAC, not a key in storage.

/** The eight S-boxes, row after row (FIPS 46-3, appendix). */
const sBoxes: readonly (readonly number[])[] = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3,
    8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6,
    13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11,
    5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5,
    14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15,
    1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2,
    12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14,
    9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2,
    14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8,
    6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4,
    5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3,
    8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8,
    13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8,
    6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3,
    12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9,
    2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6,
    11,
  ],
];

/** The permutation P of the round function (bit 1 is the most significant). */
const pTable = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22,
  11, 4, 25,
];

const ipTable = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40,
  32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5,
  63, 55, 47, 39, 31, 23, 15, 7,
];

const pc1Table = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];

const pc2Table = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47,
  55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];

const keyShifts = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];

/**
 * SP[64 * i + x]: S-box i on the six bits x, its four output bits put in place and permuted by P,
 * so a round is eight look-ups: f(R, K) = OR of SP[64 * i + (E(R)_i ^ K_i)].
 */
const sp = new Int32Array(8 * 64);
sBoxes.forEach((box, i) => {
  for (let x = 0; x < 64; x += 1) {
    const row = ((x >> 4) & 2) | (x & 1);
    const column = (x >> 1) & 15;
    const placed = (box[row * 16 + column] ?? 0) << (28 - 4 * i);
    let out = 0;
    for (let bit = 0; bit < 32; bit += 1) {
      if ((placed >>> (31 - ((pTable[bit] ?? 1) - 1))) & 1) out |= 1 << (31 - bit);
    }
    sp[64 * i + x] = out;
  }
});

/**
 * A 64-bit permutation as look-ups by input byte: for byte position p and value v, the output bits
 * that byte sets, high word at [2 * (p * 256 + v)], low word after it.
 */
function byteTables(table: readonly number[]): Int32Array {
  const out = new Int32Array(8 * 256 * 2);
  for (let outBit = 0; outBit < 64; outBit += 1) {
    const inBit = (table[outBit] ?? 1) - 1;
    const position = inBit >> 3;
    const mask = 0x80 >> (inBit & 7);
    const word = outBit < 32 ? 0 : 1;
    const value = 1 << (31 - (outBit & 31));
    for (let v = 0; v < 256; v += 1) {
      if ((v & mask) !== 0) out[2 * (position * 256 + v) + word]! |= value;
    }
  }
  return out;
}

const ipBytes = byteTables(ipTable);
const fpBytes = byteTables(Array.from({ length: 64 }, (_, outBit) => ipTable.indexOf(outBit + 1) + 1));

/** The 16 round keys of an 8-byte DES key, each as its eight 6-bit pieces: 128 numbers. */
export function desRoundKeys(key: Uint8Array): Int32Array {
  const bit = (n: number): number => ((key[(n - 1) >> 3] ?? 0) >> (7 - ((n - 1) & 7))) & 1;
  const cd = pc1Table.map(bit);
  const keys = new Int32Array(128);
  let c = cd.slice(0, 28);
  let d = cd.slice(28);
  keyShifts.forEach((shift, round) => {
    c = [...c.slice(shift), ...c.slice(0, shift)];
    d = [...d.slice(shift), ...d.slice(0, shift)];
    const joined = [...c, ...d];
    for (let piece = 0; piece < 8; piece += 1) {
      let value = 0;
      for (let j = 0; j < 6; j += 1) value = (value << 1) | (joined[(pc2Table[piece * 6 + j] ?? 1) - 1] ?? 0);
      keys[round * 8 + piece] = value;
    }
  });
  return keys;
}

/** The two halves of the block being worked on, between `stage` calls (no allocation per block). */
let left = 0;
let right = 0;

/**
 * One DES stage: 16 rounds (E, the round key, the S-boxes and P) under `keys`, forwards to encrypt
 * or backwards to decrypt, ending with the halves swapped as the standard's output is.
 */
function stage(keys: Int32Array, forwards: boolean): void {
  let l = left;
  let r = right;
  for (let round = 0; round < 16; round += 1) {
    const at = 8 * (forwards ? round : 15 - round);
    const x = (r >>> 1) | (r << 31);
    const fr =
      sp[((x >>> 26) & 63) ^ keys[at]!]! |
      sp[64 + (((x >>> 22) & 63) ^ keys[at + 1]!)]! |
      sp[128 + (((x >>> 18) & 63) ^ keys[at + 2]!)]! |
      sp[192 + (((x >>> 14) & 63) ^ keys[at + 3]!)]! |
      sp[256 + (((x >>> 10) & 63) ^ keys[at + 4]!)]! |
      sp[320 + (((x >>> 6) & 63) ^ keys[at + 5]!)]! |
      sp[384 + (((x >>> 2) & 63) ^ keys[at + 6]!)]! |
      sp[448 + ((((r & 31) << 1) | (r >>> 31)) ^ keys[at + 7]!)]!;
    const next = l ^ fr;
    l = r;
    r = next;
  }
  left = r;
  right = l;
}

/** One 8-byte block of DES-EDE (encrypt K1, decrypt K2, encrypt K3), from `input` at `offset` into `output`. */
export function edeBlock(
  k1: Int32Array,
  k2: Int32Array,
  k3: Int32Array,
  input: Uint8Array,
  offset: number,
  output: Uint8Array,
): void {
  let l = 0;
  let r = 0;
  for (let p = 0; p < 8; p += 1) {
    const at = 2 * (p * 256 + input[offset + p]!);
    l |= ipBytes[at]!;
    r |= ipBytes[at + 1]!;
  }
  left = l;
  right = r;
  // Between the three stages, FP and IP cancel out: each stage starts where the last one stopped.
  stage(k1, true);
  stage(k2, false);
  stage(k3, true);
  let high = 0;
  let low = 0;
  for (let p = 0; p < 4; p += 1) {
    const fromL = 2 * (p * 256 + ((left >>> (24 - 8 * p)) & 255));
    const fromR = 2 * ((p + 4) * 256 + ((right >>> (24 - 8 * p)) & 255));
    high |= fpBytes[fromL]! | fpBytes[fromR]!;
    low |= fpBytes[fromL + 1]! | fpBytes[fromR + 1]!;
  }
  for (let p = 0; p < 4; p += 1) {
    output[offset + p] = (high >>> (24 - 8 * p)) & 255;
    output[offset + 4 + p] = (low >>> (24 - 8 * p)) & 255;
  }
}
