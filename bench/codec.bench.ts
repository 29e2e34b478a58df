// `npm run bench -- codec`: pack + unpack round trips per second of a CUP 0200 sale with a
// 140-byte field 55, in the cup-pos dialect, and the same message in the generic ISO 8583:1987
// ASCII dialect beside the npm package iso_8583 (the most used JavaScript ISO 8583 library),
// packing and unpacking the same message in the same run. Each side runs for a fixed time, in
// interleaved slices after a warm-up, so a noisy neighbour hits both. Before timing, the peer's
// output is checked: it must unpack to the same fields, and our decoder must read the peer's
// bytes to the same fields too, so the two sides do equivalent work.
import { createRequire } from 'node:module';
import {
  decodeFrame,
  dialectFromJson,
  encodeFrame,
  iso8583Ascii,
  type IsoMessage,
} from '../src/iso8583/index.js';
import { line, peakRssMb, ratio } from './report.js';

const sliceMs = 250;
const slices = 8;
const warmUpMs = 500;

// 140 bytes of EMV data (the published wearapay 0210's field 55, cut to 140 bytes: the codec
// treats field 55 as opaque bytes, so only its size matters here).
const field55 = (
  '9F2608DEAE676D1C4734119F2701809F101307020103A0A806010A01000000000098F01F529F3704AA0FBE659F3602' +
  '03499505008004E0009A031611159C01009F02060000000055885F2A02015682027C009F1A0201569F030600000000' +
  '00009F3303E0E1C89F34034203009F3501229F1E0831323334353637388408A0000003330101019F090200309F4104'
).slice(0, 280);

const fields: Record<string, string> = {
  '2': '6225880123456789',
  '3': '000000',
  '4': '000000012800',
  '11': '000123',
  '12': '153438',
  '13': '1201',
  '14': '2812',
  '22': '051',
  '25': '00',
  '35': '6225880123456789=28121010000000000',
  '37': '290983153438',
  '41': '10000159',
  '42': '880210010210160',
  '49': '156',
  '55': field55,
  '60': '22000015000501',
  '64': '0123456789ABCDEF',
};

const cupMessage: IsoMessage = {
  length: null,
  tpdu: '6000030000',
  header: '603100311003',
  mti: '0200',
  fields,
};
const asciiMessage: IsoMessage = { length: null, tpdu: null, header: null, mti: '0200', fields };
const cupOptions = { framing: 'full' } as const;
const asciiOptions = { dialect: iso8583Ascii, framing: 'full' } as const;

// The peer, configured to the same field formats: an ASCII bitmap (it always sends the secondary
// one), field 55 and 64 as binary. It carries a variable binary field as hex text, twice the bytes.
const peerFormats = {
  '1': { ContentType: 'an', Label: 'Bitmap', LenType: 'fixed', MaxLen: 16 },
  '55': { ContentType: 'b', Label: 'ICC data', LenType: 'lllvar', MaxLen: 510 },
  '64': { ContentType: 'b', Label: 'MAC', LenType: 'fixed', MaxLen: 16 },
};
const peerMessage: Record<string, string> = { '0': '0200', ...fields };
const peerUnpackConfig = { bitmapEncoding: 'utf8' };

interface PeerPacker {
  getBufferMessage(): Buffer | { error: string };
  getIsoJSON(buffer: Buffer, config: object): Record<string, string> | { error: string };
}
type PeerConstructor = new (message?: Record<string, string>, formats?: object) => PeerPacker;
// iso_8583 is CommonJS without type declarations: load it through require and name the slice used.
const Peer = createRequire(import.meta.url)('iso_8583') as PeerConstructor;

let sink = 0;

function oursCup(): void {
  const frame = encodeFrame(cupMessage, cupOptions);
  sink += Object.keys(decodeFrame(frame, cupOptions).fields).length;
}

function oursAscii(): void {
  const frame = encodeFrame(asciiMessage, asciiOptions);
  sink += Object.keys(decodeFrame(frame, asciiOptions).fields).length;
}

function peerPack(): Buffer {
  const packed = new Peer(peerMessage, peerFormats).getBufferMessage();
  if (!Buffer.isBuffer(packed)) throw new Error(`iso_8583 refused the message: ${packed.error}`);
  return packed;
}

function peerUnpack(frame: Buffer): Record<string, string> {
  const unpacked = new Peer(undefined, peerFormats).getIsoJSON(frame, peerUnpackConfig);
  if ('error' in unpacked) throw new Error(`iso_8583 could not unpack: ${unpacked.error}`);
  return unpacked;
}

function peerAscii(): void {
  sink += Object.keys(peerUnpack(peerPack())).length;
}

function sameFields(label: string, actual: Record<string, string>): void {
  for (const [key, value] of Object.entries(fields)) {
    if (actual[key]?.toUpperCase() !== value.toUpperCase()) {
      throw new Error(`${label}: field ${key} came back as ${JSON.stringify(actual[key])}`);
    }
  }
  const extra = Object.keys(actual).filter((key) => key !== '0' && !(key in fields));
  if (extra.length > 0) throw new Error(`${label}: unexpected fields ${extra.join(', ')}`);
}

/** Proves both sides produce and read back the same message before any timing. */
function checkEquivalence(): { ours: number; peer: number; cup: number } {
  const ours = encodeFrame(asciiMessage, asciiOptions);
  sameFields('posguard', decodeFrame(ours, asciiOptions).fields);
  const peer = peerPack();
  sameFields('iso_8583', peerUnpack(peer));
  // Our decoder reads the peer's bytes too, given the peer's form of field 55 (hex as text).
  const peerForm = dialectFromJson(
    {
      name: 'iso8583-peer-form',
      extends: iso8583Ascii.name,
      fields: { '55': { name: 'ICC data as hex text', format: 'ans', length: 'LLLVAR', max: 999 } },
    },
    'bench dialect',
  );
  const read = decodeFrame(peer, { dialect: peerForm, framing: 'full' });
  sameFields('posguard reading iso_8583 bytes', read.fields);
  if (read.mti !== '0200') throw new Error(`peer MTI came back as ${read.mti}`);
  const cup = encodeFrame(cupMessage, cupOptions);
  sameFields('posguard cup-pos', decodeFrame(cup, cupOptions).fields);
  return { ours: ours.length, peer: peer.length, cup: cup.length };
}

/** Runs `run` in batches until `ms` has passed; returns operations and elapsed time. */
function timed(run: () => void, ms: number): { ops: number; elapsedMs: number } {
  const start = performance.now();
  let now = start;
  let ops = 0;
  while (now - start < ms) {
    for (let i = 0; i < 64; i += 1) run();
    ops += 64;
    now = performance.now();
  }
  return { ops, elapsedMs: now - start };
}

/** Interleaved slices of each contender; returns round trips per second for each. */
function race(contenders: readonly (() => void)[]): number[] {
  for (const run of contenders) timed(run, warmUpMs);
  const totals = contenders.map(() => ({ ops: 0, elapsedMs: 0 }));
  for (let slice = 0; slice < slices; slice += 1) {
    contenders.forEach((run, index) => {
      const result = timed(run, sliceMs);
      totals[index]!.ops += result.ops;
      totals[index]!.elapsedMs += result.elapsedMs;
    });
  }
  return totals.map((t) => (t.ops * 1000) / t.elapsedMs);
}

const sizes = checkEquivalence();
const [cupRate, asciiRate, peerRate] = race([oursCup, oursAscii, peerAscii]);

console.log('ISO 8583 codec: pack + unpack of a 0200 sale with a 140-byte field 55');
line('frame bytes, cup-pos', String(sizes.cup));
line('frame bytes, ASCII (posguard / peer)', `${sizes.ours} / ${sizes.peer}`);
line('cup-pos round trips (posguard)', `${(cupRate ?? 0).toFixed(1)} round trips/s`);
ratio('ASCII 1987 round trips', asciiRate ?? 0, peerRate ?? 1, 'round trips/s');
line('peak RSS', `${peakRssMb()} MB`);
line('checksum (ignore)', String(sink % 1000));
