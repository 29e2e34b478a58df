// Round trips of random valid messages of every transaction type, in both built-in dialects:
// decoding what was encoded gives the same message, and it still classifies as its type.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, framings } from './codec.js';
import { cupPos, iso8583Ascii } from './dialect-registry.js';
import { anyTransactionMessage } from './test-support/arbitraries.js';
import { checkProperty } from './test-support/property.js';
import { classify } from './transactions.js';

const file = 'src/iso8583/codec.property.test.ts';

describe('encode then decode', () => {
  it('gives back every cup-pos message of every transaction type, in every framing', () => {
    checkProperty(
      fc.property(
        anyTransactionMessage({ withTrack3: true }),
        fc.constantFrom(...framings),
        ({ type, message }, framing) => {
          const frame = encodeFrame(message, { framing });
          const decoded = decodeFrame(frame, { framing });
          expect(decoded).toEqual({
            ...message,
            length: framing === 'full' ? frame.length - 2 : null,
            tpdu: framing === 'body' ? null : message.tpdu,
            header: framing === 'body' ? null : message.header,
          });
          expect(classify(decoded)).toBe(type);
        },
      ),
      { numRuns: 400, file },
    );
  });

  it('gives back the same messages in the ISO 8583:1987 ASCII dialect', () => {
    const options = { dialect: iso8583Ascii, framing: 'full' } as const;
    checkProperty(
      fc.property(anyTransactionMessage({ withTrack3: false }), ({ type, message }) => {
        const frame = encodeFrame(message, options);
        const decoded = decodeFrame(frame, options);
        // The ASCII dialect has no TPDU or header: they are not sent.
        expect(decoded).toEqual({ ...message, length: frame.length - 2, tpdu: null, header: null });
        expect(classify(decoded)).toBe(type);
      }),
      { numRuns: 300, file },
    );
  });

  it('encodes a decoded frame back to the same bytes', () => {
    checkProperty(
      fc.property(anyTransactionMessage({ withTrack3: true }), ({ message }) => {
        const frame = encodeFrame(message, { dialect: cupPos });
        expect(encodeFrame(decodeFrame(frame), { dialect: cupPos }).equals(frame)).toBe(true);
      }),
      { numRuns: 200, file },
    );
  });
});
