// A generic ISO 8583:1987 dialect in its common ASCII form: ASCII MTI, the bitmap as 16 hex
// characters (32 with the secondary bitmap), ASCII length prefixes and ASCII digits. The field
// sizes are the 1987 standard's (ISO 8583:1987, section 4.4, data element directory). Where the
// standard says `x+n` (a C or D sign before the digits) the field is carried as text; binary
// fields are raw bytes. Field 55 carries EMV chip data as `b..255`, the form every chip
// acquirer uses in place of the standard's `ans..999`. Field 65 (a tertiary bitmap in some
// readings, a single bit in others) is left out on purpose: a message using it is refused.
import type { DialectDefinition, FieldDefinition } from '../dialect.js';

function n(name: string, max: number): FieldDefinition {
  return { name, format: 'n', length: 'fixed', max };
}
function an(name: string, max: number): FieldDefinition {
  return { name, format: 'an', length: 'fixed', max };
}
function ans(name: string, max: number): FieldDefinition {
  return { name, format: 'ans', length: 'fixed', max };
}
function b(name: string, max: number): FieldDefinition {
  return { name, format: 'b', length: 'fixed', max };
}
function llvar(name: string, format: FieldDefinition['format'], max: number): FieldDefinition {
  return { name, format, length: 'LLVAR', max };
}
function lllvar(name: string, format: FieldDefinition['format'], max: number): FieldDefinition {
  return { name, format, length: 'LLLVAR', max };
}

const reserved = (kind: string): FieldDefinition => lllvar(`reserved for ${kind} use`, 'ans', 999);

export const iso8583AsciiDefinition: DialectDefinition = {
  name: 'iso8583-1987-ascii',
  description: 'ISO 8583:1987 with ASCII MTI, hex-ASCII bitmap, ASCII prefixes and digits',
  encoding: 'ascii',
  bitmap: 'hex',
  secondaryBitmap: true,
  tpduBytes: 0,
  headerBytes: 0,
  fields: {
    '2': llvar('primary account number', 'n', 19),
    '3': n('processing code', 6),
    '4': n('amount, transaction', 12),
    '5': n('amount, settlement', 12),
    '6': n('amount, cardholder billing', 12),
    '7': n('transmission date and time MMDDhhmmss', 10),
    '8': n('amount, cardholder billing fee', 8),
    '9': n('conversion rate, settlement', 8),
    '10': n('conversion rate, cardholder billing', 8),
    '11': n('systems trace audit number', 6),
    '12': n('time, local transaction hhmmss', 6),
    '13': n('date, local transaction MMDD', 4),
    '14': n('date, expiration YYMM', 4),
    '15': n('date, settlement MMDD', 4),
    '16': n('date, conversion MMDD', 4),
    '17': n('date, capture MMDD', 4),
    '18': n('merchant type', 4),
    '19': n('acquiring institution country code', 3),
    '20': n('PAN extended, country code', 3),
    '21': n('forwarding institution country code', 3),
    '22': n('point of service entry mode', 3),
    '23': n('card sequence number', 3),
    '24': n('network international identifier', 3),
    '25': n('point of service condition code', 2),
    '26': n('point of service PIN capture code', 2),
    '27': n('authorisation identification response length', 1),
    '28': an('amount, transaction fee (x+n8)', 9),
    '29': an('amount, settlement fee (x+n8)', 9),
    '30': an('amount, transaction processing fee (x+n8)', 9),
    '31': an('amount, settlement processing fee (x+n8)', 9),
    '32': llvar('acquiring institution identification code', 'n', 11),
    '33': llvar('forwarding institution identification code', 'n', 11),
    '34': llvar('primary account number, extended', 'ans', 28),
    '35': llvar('track 2 data', 'z', 37),
    '36': lllvar('track 3 data', 'n', 104),
    '37': an('retrieval reference number', 12),
    '38': an('authorisation identification response', 6),
    '39': an('response code', 2),
    '40': an('service restriction code', 3),
    '41': ans('card acceptor terminal identification', 8),
    '42': ans('card acceptor identification code', 15),
    '43': ans('card acceptor name and location', 40),
    '44': llvar('additional response data', 'an', 25),
    '45': llvar('track 1 data', 'an', 76),
    '46': lllvar('additional data, ISO', 'an', 999),
    '47': lllvar('additional data, national', 'an', 999),
    '48': lllvar('additional data, private', 'an', 999),
    '49': n('currency code, transaction', 3),
    '50': n('currency code, settlement', 3),
    '51': n('currency code, cardholder billing', 3),
    '52': b('personal identification number data', 8),
    '53': n('security related control information', 16),
    '54': lllvar('additional amounts', 'an', 120),
    '55': lllvar('integrated circuit card system related data', 'b', 255),
    '56': reserved('ISO'),
    '57': reserved('national'),
    '58': reserved('national'),
    '59': reserved('national'),
    '60': reserved('national'),
    '61': reserved('private'),
    '62': reserved('private'),
    '63': reserved('private'),
    '64': b('message authentication code', 8),
    '66': n('settlement code', 1),
    '67': n('extended payment code', 2),
    '68': n('receiving institution country code', 3),
    '69': n('settlement institution country code', 3),
    '70': n('network management information code', 3),
    '71': n('message number', 4),
    '72': n('message number, last', 4),
    '73': n('date, action YYMMDD', 6),
    '74': n('credits, number', 10),
    '75': n('credits, reversal number', 10),
    '76': n('debits, number', 10),
    '77': n('debits, reversal number', 10),
    '78': n('transfer, number', 10),
    '79': n('transfer, reversal number', 10),
    '80': n('inquiries, number', 10),
    '81': n('authorisations, number', 10),
    '82': n('credits, processing fee amount', 12),
    '83': n('credits, transaction fee amount', 12),
    '84': n('debits, processing fee amount', 12),
    '85': n('debits, transaction fee amount', 12),
    '86': n('credits, amount', 16),
    '87': n('credits, reversal amount', 16),
    '88': n('debits, amount', 16),
    '89': n('debits, reversal amount', 16),
    '90': n('original data elements', 42),
    '91': an('file update code', 1),
    '92': an('file security code', 2),
    '93': an('response indicator', 5),
    '94': an('service indicator', 7),
    '95': an('replacement amounts', 42),
    '96': b('message security code', 8),
    '97': an('amount, net settlement (x+n16)', 17),
    '98': ans('payee', 25),
    '99': llvar('settlement institution identification code', 'n', 11),
    '100': llvar('receiving institution identification code', 'n', 11),
    '101': llvar('file name', 'ans', 17),
    '102': llvar('account identification 1', 'ans', 28),
    '103': llvar('account identification 2', 'ans', 28),
    '104': lllvar('transaction description', 'ans', 100),
    '105': reserved('ISO'),
    '106': reserved('ISO'),
    '107': reserved('ISO'),
    '108': reserved('ISO'),
    '109': reserved('ISO'),
    '110': reserved('ISO'),
    '111': reserved('ISO'),
    '112': reserved('national'),
    '113': reserved('national'),
    '114': reserved('national'),
    '115': reserved('national'),
    '116': reserved('national'),
    '117': reserved('national'),
    '118': reserved('national'),
    '119': reserved('national'),
    '120': reserved('private'),
    '121': reserved('private'),
    '122': reserved('private'),
    '123': reserved('private'),
    '124': reserved('private'),
    '125': reserved('private'),
    '126': reserved('private'),
    '127': reserved('private'),
    '128': b('message authentication code', 8),
  },
};
