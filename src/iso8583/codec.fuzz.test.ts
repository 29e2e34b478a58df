// Feeds random bytes and damaged valid frames to the decoder. Whatever comes in, the decoder either
// returns a message that encodes back to an equal decode, or throws a PosError that names a part
// of the frame and an offset inside it: never a RangeError, a TypeError or a hang.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PosError } from '../pos-error.js';
import { decodeFrame, encodeFrame, framings, type CodecOptions, type Framing } from './codec.js';
import type { Dialect } from './dialect.js';
import { cupPos, iso8583Ascii } from './dialect-registry.js';
import { checkProperty } from './test-support/property.js';
import { loadVectors } from './test-support/vectors.js';

const file = 'src/iso8583/codec.fuzz.test.ts';
/** Far above any real decode (microseconds); only a loop gone wrong gets near it. */
const maxDecodeMs = 200;
const partPattern = /^(field \d+: |MTI: |bitmap: |TPDU: |header: |frame: |length prefix[: ])/;

const vectors = loadVectors();
const valid = vectors.filter((v) => v.decode !== undefined);
const acquirer = valid.find((v) => v.dialect.name === 'acquirer-extra-fields')?.dialect ?? cupPos;
const asciiSample = encodeFrame(
  {
    length: null,
    tpdu: null,
    header: null,
    mti: '0200',
    fields: {
      '2': '4761739001010119',
      '3': '000000',
      '4': '000000005000',
      '35': '4761739001010119=22122011758928889',
      '41': 'TERM0001',
      '55': '9F2608DEAE676D1C4734119F270180',
      '64': '0102030405060708',
      '100': '12345',
    },
  },
  { dialect: iso8583Ascii },
);
const dialects: ReadonlyMap<string, Dialect> = new Map(
  [cupPos, iso8583Ascii, acquirer].map((d) => [d.name, d]),
);

/** A frame to damage, named by file and dialect so a failing case prints short. */
interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
  readonly dialect: string;
  readonly framing: Framing;
}

const seeds: Seed[] = [
  ...valid.map((v) => ({ name: v.file, bytes: v.bytes, dialect: v.dialect.name, framing: v.framing })),
  { name: 'ascii sample', bytes: asciiSample, dialect: iso8583Ascii.name, framing: 'full' },
];

function optionsOf(dialect: string, framing: Framing): Required<CodecOptions> {
  return { dialect: dialects.get(dialect) ?? cupPos, framing };
}

/** Decodes and checks the outcome is one of the two allowed ones. */
function decodeSafely(bytes: Buffer, options: Required<CodecOptions>): void {
  const started = performance.now();
  let decoded;
  try {
    decoded = decodeFrame(bytes, options);
  } catch (error) {
    expect(error).toBeInstanceOf(PosError);
    const posError = error as PosError;
    expect(posError.code).toMatch(/^POS_ERR_ISO_/);
    expect(posError.message).toMatch(partPattern);
    expect(posError.message).toMatch(/at byte \d+/);
    const offset = posError.details['offset'];
    expect(typeof offset === 'number' && offset >= 0 && offset <= bytes.length).toBe(true);
    expect(typeof posError.details['field']).toBe('string');
    return;
  } finally {
    expect(performance.now() - started).toBeLessThan(maxDecodeMs);
  }
  // Anything the decoder accepts, the encoder must take back without loss.
  const again = encodeFrame(decoded, options);
  expect(decodeFrame(again, options)).toEqual({
    ...decoded,
    length: decoded.length === null ? null : again.length - 2,
  });
}

const anyDialect = fc.constantFrom(...dialects.keys());
const anyFraming = fc.constantFrom<Framing>(...framings);

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; value: number }
  | { kind: 'delete'; at: number }
  | { kind: 'length'; delta: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), delta: fc.integer({ min: -300, max: 300 }) }),
);

function mutate(bytes: Buffer, change: Mutation): Buffer {
  const copy = Buffer.from(bytes);
  if (change.kind === 'length') {
    if (copy.length >= 2) copy.writeUInt16BE((copy.readUInt16BE(0) + change.delta + 0x10000) & 0xffff, 0);
    return copy;
  }
  const at = copy.length === 0 ? 0 : change.at % copy.length;
  switch (change.kind) {
    case 'flip':
      if (copy.length > 0) copy[at] = copy[at]! ^ (1 << change.bit);
      return copy;
    case 'truncate':
      return copy.subarray(0, at);
    case 'set':
      if (copy.length > 0) copy[at] = change.value;
      return copy;
    case 'insert':
      return Buffer.concat([copy.subarray(0, at), Buffer.from([change.value]), copy.subarray(at)]);
    case 'delete':
      return Buffer.concat([copy.subarray(0, at), copy.subarray(at + 1)]);
  }
}

describe('decoder fuzzing', () => {
  it('answers random bytes with a message or a PosError naming a part and an offset', () => {
    checkProperty(
      fc.property(fc.uint8Array({ maxLength: 300 }), anyDialect, anyFraming, (bytes, dialect, framing) => {
        decodeSafely(Buffer.from(bytes), optionsOf(dialect, framing));
      }),
      { numRuns: 1500, file },
    );
  });

  it('answers damaged valid frames the same way', () => {
    checkProperty(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (seed, changes) => {
          decodeSafely(
            changes.reduce((current, change) => mutate(current, change), seed.bytes),
            optionsOf(seed.dialect, seed.framing),
          );
        },
      ),
      { numRuns: 2500, file },
    );
  });

  it('answers valid bodies under the wrong framing or dialect the same way', () => {
    checkProperty(
      fc.property(fc.constantFrom(...seeds), anyDialect, anyFraming, (seed, dialect, framing) => {
        decodeSafely(seed.bytes, optionsOf(dialect, framing));
      }),
      { numRuns: 200, file },
    );
  });
});
