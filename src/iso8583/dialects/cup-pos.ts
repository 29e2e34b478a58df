// The CUP POS terminal dialect (中国银联 POS 终端规范, 2002, and the acquirers that follow it): BCD
// MTI and numbers, an 8-byte binary bitmap with no field above 64, a 5-byte TPDU and a 6-byte
// header after the TCP length. Field table from docs/reference/cup-pos-iso8583.md, checked
// against the published vectors in test/fixtures/cup-pos.
import type { DialectDefinition } from '../dialect.js';

export const cupPosDefinition: DialectDefinition = {
  name: 'cup-pos',
  description: 'China UnionPay POS terminal dialect: BCD numbers, binary bitmap, TPDU and header',
  encoding: 'bcd',
  bitmap: 'binary',
  secondaryBitmap: false,
  tpduBytes: 5,
  headerBytes: 6,
  fields: {
    // Some terminals pad an odd-length PAN with F instead of 0: accepted, re-encoded with 0.
    '2': { name: 'primary account number', format: 'n', length: 'LLVAR', max: 19, acceptPadF: true },
    '3': { name: 'processing code', format: 'n', length: 'fixed', max: 6 },
    '4': { name: 'amount in fen', format: 'n', length: 'fixed', max: 12 },
    '11': { name: 'POS trace number (STAN)', format: 'n', length: 'fixed', max: 6 },
    '12': { name: 'local time hhmmss', format: 'n', length: 'fixed', max: 6 },
    '13': { name: 'local date MMDD', format: 'n', length: 'fixed', max: 4 },
    '14': { name: 'card expiry YYMM', format: 'n', length: 'fixed', max: 4 },
    '15': { name: 'settlement date MMDD', format: 'n', length: 'fixed', max: 4 },
    // CUP POS spec, field 22: the one fixed n field sent left-aligned (`051` travels as 05 10).
    '22': { name: 'entry mode', format: 'n', length: 'fixed', max: 3, align: 'left' },
    '23': { name: 'card sequence number', format: 'n', length: 'fixed', max: 3 },
    '25': { name: 'condition code', format: 'n', length: 'fixed', max: 2 },
    '26': { name: 'PIN capture code', format: 'n', length: 'fixed', max: 2 },
    '32': { name: 'acquiring institution', format: 'n', length: 'LLVAR', max: 11 },
    '35': { name: 'track 2', format: 'z', length: 'LLVAR', max: 37 },
    '36': { name: 'track 3', format: 'z', length: 'LLLVAR', max: 104 },
    '37': { name: 'retrieval reference number', format: 'an', length: 'fixed', max: 12 },
    '38': { name: 'authorisation code', format: 'an', length: 'fixed', max: 6 },
    '39': { name: 'response code', format: 'an', length: 'fixed', max: 2 },
    '41': { name: 'terminal id', format: 'ans', length: 'fixed', max: 8 },
    '42': { name: 'merchant id', format: 'ans', length: 'fixed', max: 15 },
    '44': { name: 'additional response data', format: 'ans', length: 'LLVAR', max: 25 },
    '48': {
      name: 'private data: settlement totals, batch-upload count',
      format: 'n',
      length: 'LLLVAR',
      max: 322,
    },
    '49': { name: 'currency code', format: 'an', length: 'fixed', max: 3 },
    '52': { name: 'PIN block', format: 'b', length: 'fixed', max: 8 },
    '53': { name: 'security control information', format: 'n', length: 'fixed', max: 16 },
    '54': { name: 'balance', format: 'an', length: 'LLLVAR', max: 20 },
    '55': { name: 'IC card data (TLV)', format: 'b', length: 'LLLVAR', max: 255 },
    // CUP POS spec, field 58: PBOC electronic-cash (e-wallet) data, ans...100 LLLVAR. Chip only.
    '58': { name: 'PBOC electronic cash data', format: 'ans', length: 'LLLVAR', max: 100 },
    // Not in the protocol notes' table, but the published 0210 (wearapay vector) carries a
    // 12-character text field 59, decoded as text in the cup-pos expectations.
    '59': { name: 'acquirer-defined data', format: 'ans', length: 'LLLVAR', max: 999 },
    '60': {
      name: 'message type code, batch number, network management code',
      format: 'n',
      length: 'LLLVAR',
      max: 17,
    },
    '61': { name: 'original batch, STAN and date', format: 'n', length: 'LLLVAR', max: 29 },
    '62': { name: 'sign-in keys; terminal information', format: 'b', length: 'LLLVAR', max: 512 },
    '63': { name: 'operator code; card organisation', format: 'ans', length: 'LLLVAR', max: 163 },
    '64': { name: 'message authentication code', format: 'b', length: 'fixed', max: 8 },
  },
};
