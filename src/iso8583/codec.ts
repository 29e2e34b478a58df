// The ISO 8583 frame codec: decode-frame.ts reads a frame into the canonical decode, encode-frame.ts
// writes one back, and iso-message.ts holds the shapes both share. This file only gathers them for
// src/iso8583/index.ts and the codec's tests; nothing below it imports it.
export { decodeFrame } from './decode-frame.js';
export { encodeFrame } from './encode-frame.js';
export {
  framings,
  maxLengthPrefixed,
  type CodecOptions,
  type Framing,
  type IsoMessage,
} from './iso-message.js';
