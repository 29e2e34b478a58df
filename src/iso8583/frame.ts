// Splitting a TCP byte stream into frames: each frame is a 2-byte big-endian length (counting
// the bytes after it) and that many bytes. Pure functions over what the reader has buffered, so
// the TCP channel owns sockets and timers and this file owns the arithmetic. A declared length
// over the reader's maximum is refused as soon as the two length bytes arrive, before anything is
// buffered for it: an attacker cannot make the host wait for, or allocate, 64 KiB per connection.
import { assert } from '../assert.js';
import { PosError } from '../pos-error.js';
import { frameParts } from './codec-errors.js';

export const lengthPrefixBytes = 2;

export interface FrameLimits {
  /** The largest length prefix accepted (bytes after the prefix), from 1 to 65535. */
  readonly maxFrameBytes: number;
}

export type FrameSplit =
  /** Not a whole frame yet: `neededBytes` more must arrive (at least). */
  | { readonly kind: 'incomplete'; readonly neededBytes: number }
  /** `frame` is the whole frame, length prefix included (decode it with framing `full`); `rest`
   * is what follows. Both are views of the input, not copies. */
  | { readonly kind: 'frame'; readonly frame: Buffer; readonly rest: Buffer };

function checkLimits(limits: FrameLimits): void {
  assert(
    Number.isSafeInteger(limits.maxFrameBytes) && limits.maxFrameBytes >= 1 && limits.maxFrameBytes <= 0xffff,
    `maxFrameBytes must be a whole number from 1 to 65535, got ${limits.maxFrameBytes}`,
  );
}

/**
 * The length the next frame declares, or undefined when fewer than 2 bytes are buffered. Throws
 * POS_ERR_ISO_FRAME_TOO_LONG when it is over `maxFrameBytes`.
 */
export function readFrameLength(buffered: Uint8Array, limits: FrameLimits): number | undefined {
  checkLimits(limits);
  if (buffered.length < lengthPrefixBytes) return undefined;
  const declared = buffered[0]! * 256 + buffered[1]!;
  if (declared > limits.maxFrameBytes) {
    throw new PosError(
      'POS_ERR_ISO_FRAME_TOO_LONG',
      `${frameParts.length.label}: frame too long at byte 0: it announces ${declared} bytes, at most ${limits.maxFrameBytes} allowed`,
      { details: { field: frameParts.length.key, offset: 0, declared, max: limits.maxFrameBytes } },
    );
  }
  return declared;
}

/** Takes the first whole frame off `buffered`, or says how many more bytes it needs. */
export function splitFrame(buffered: Uint8Array, limits: FrameLimits): FrameSplit {
  const declared = readFrameLength(buffered, limits);
  if (declared === undefined) return { kind: 'incomplete', neededBytes: lengthPrefixBytes - buffered.length };
  const total = lengthPrefixBytes + declared;
  if (buffered.length < total) return { kind: 'incomplete', neededBytes: total - buffered.length };
  const bytes = Buffer.isBuffer(buffered)
    ? buffered
    : Buffer.from(buffered.buffer, buffered.byteOffset, buffered.byteLength);
  return { kind: 'frame', frame: bytes.subarray(0, total), rest: bytes.subarray(total) };
}
