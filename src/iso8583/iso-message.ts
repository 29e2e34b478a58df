// The canonical decode of an ISO 8583 frame (docs/reference/cup-pos-iso8583.md, "Canonical
// decode") and the options both directions of the codec take: what decode-frame.ts produces and
// encode-frame.ts consumes.
import type { Dialect } from './dialect.js';

/**
 * Which parts of the frame are present: `full` = 2-byte length + TPDU + header + MTI + bitmap +
 * fields; `no-length` = the same without the length; `body` = MTI onwards.
 */
export type Framing = 'full' | 'no-length' | 'body';

export const framings: readonly Framing[] = ['full', 'no-length', 'body'];

/** The canonical decode: field numbers (decimal strings) to their text. */
export interface IsoMessage {
  /** The length prefix (bytes after it); null when the framing has none. */
  readonly length: number | null;
  /** Upper-case hex; null when the framing or the dialect has none. */
  readonly tpdu: string | null;
  readonly header: string | null;
  readonly mti: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface CodecOptions {
  /** Default: cup-pos. */
  readonly dialect?: Dialect;
  /** Default: full. */
  readonly framing?: Framing;
}

/** The largest body a 2-byte length prefix can announce. */
export const maxLengthPrefixed = 0xffff;
