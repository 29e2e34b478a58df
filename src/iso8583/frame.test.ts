import { describe, expect, it } from 'vitest';
import { InvariantError } from '../assert.js';
import { PosError } from '../pos-error.js';
import { decodeFrame } from './codec.js';
import { readFrameLength, splitFrame } from './frame.js';
import { loadVectors } from './test-support/vectors.js';

const limits = { maxFrameBytes: 1024 };
const sale =
  loadVectors().find((v) => v.file === 'sale_0200_request_j-iso8583_test.hex')?.bytes ?? Buffer.alloc(0);

describe('frame splitting', () => {
  it('reads the declared length once two bytes are there', () => {
    expect(readFrameLength(Buffer.from([0x00]), limits)).toBeUndefined();
    expect(readFrameLength(Buffer.from([0x01, 0x0c, 0x60]), limits)).toBe(268);
  });

  it('refuses a declared length over the maximum as soon as the prefix arrives', () => {
    let error: unknown;
    try {
      readFrameLength(Buffer.from([0x10, 0x00]), limits);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PosError);
    expect((error as PosError).code).toBe('POS_ERR_ISO_FRAME_TOO_LONG');
    expect((error as PosError).message).toBe(
      'length prefix: frame too long at byte 0: it announces 4096 bytes, at most 1024 allowed',
    );
    expect(() => splitFrame(Buffer.from([0xff, 0xff]), limits)).toThrow(PosError);
  });

  it('says how many bytes are missing until a frame is whole', () => {
    expect(splitFrame(Buffer.alloc(0), limits)).toEqual({ kind: 'incomplete', neededBytes: 2 });
    expect(splitFrame(sale.subarray(0, 100), limits)).toEqual({
      kind: 'incomplete',
      neededBytes: sale.length - 100,
    });
  });

  it('splits back-to-back frames, leaving the rest for the next call', () => {
    const stream = Buffer.concat([sale, sale, sale.subarray(0, 5)]);
    const first = splitFrame(stream, limits);
    if (first.kind !== 'frame') throw new Error('expected a frame');
    expect(first.frame.equals(sale)).toBe(true);
    expect(decodeFrame(first.frame).mti).toBe('0200');
    const second = splitFrame(first.rest, limits);
    if (second.kind !== 'frame') throw new Error('expected a frame');
    expect(second.rest.length).toBe(5);
    expect(splitFrame(second.rest, limits)).toEqual({ kind: 'incomplete', neededBytes: sale.length - 5 });
  });

  it('accepts a plain Uint8Array', () => {
    const split = splitFrame(new Uint8Array(sale), limits);
    expect(split.kind).toBe('frame');
  });

  it('treats a nonsensical maximum as a programmer error', () => {
    expect(() => splitFrame(sale, { maxFrameBytes: 70_000 })).toThrow(InvariantError);
  });
});
