// Which fields each kind of terminal request may carry (CUP POS spec, the field tables of each
// transaction). A field a transaction does not use is refused with 30 before anything else looks
// at the request: every free field is room for the filler bytes that make a forged MAC input fold
// to a chosen value (issue 13), and no terminal needs to send what the host never reads. Chip-only
// fields (23 card sequence number, 55 IC data, 58 PBOC e-cash data) are refused unless field 22
// says the card was read by chip or contactless. A sale carrying field 59 is a scan-code (QR) sale
// (scan-sale.ts) or a request for a code to show (shown-code.ts): no card was read, so every card
// field is refused on it, and field 59 is allowed on a sale and on a reversal only (a 0400 that
// copies its sale literally carries it).
import type { IsoMessage } from '../iso8583/index.js';
import type { FieldProblem } from '../pos-error.js';

/** Every request: STAN, terminal, merchant, field 60, the MAC, and the terminal's local time. */
const envelope = ['11', '12', '13', '41', '42', '60', '64'];
/** Card data a card-present request carries, whatever read the card. */
const cardFields = ['2', '14', '22', '26', '35', '36', '52', '53'];
/** Only a chip read (field 22 05 or 07, and the qPBOC 96/98) produces these. */
const chipFields = ['23', '55', '58'];
const money = ['3', '4', '25', '49'];

const allowed: Readonly<Record<string, ReadonlySet<string>>> = {
  // An 0800 has no session key yet, so no MAC; field 62 may carry terminal information.
  'sign-in': new Set(['11', '12', '13', '41', '42', '60', '62', '63']),
  'sign-off': new Set([...envelope, '63']),
  echo: new Set([...envelope, '63']),
  // posguard's status upload (issue 14): the report is field 62, nothing else is read.
  'status-upload': new Set([...envelope, '62']),
  balance: new Set([...envelope, '3', '25', '49', ...cardFields, ...chipFields]),
  sale: new Set([...envelope, ...money, '59', '63', ...cardFields, ...chipFields]),
  void: new Set([...envelope, ...money, '37', '38', '61', '63', ...cardFields, ...chipFields]),
  refund: new Set([...envelope, ...money, '37', '38', '61', '63', ...cardFields, ...chipFields]),
  reversal: new Set([
    ...envelope,
    ...money,
    '37',
    '38',
    '39',
    '59',
    '61',
    '63',
    ...cardFields,
    ...chipFields,
  ]),
  settlement: new Set([...envelope, '48', '49', '63']),
  'batch-upload': new Set([...envelope, ...money, '2', '14', '22', '37', '38', '48', '61', '63']),
  'batch-upload-end': new Set([...envelope, '48', '63']),
};

/** Field 22 values (first two digits) that say the card was read by its chip. */
const chipReads = new Set(['05', '07', '96', '98']);

/**
 * The fields of `message` that a request of `type` does not use, as problems naming each. Types
 * the host does not serve (pre-authorisation, unknown) are answered 40 whatever they carry.
 */
export function unusedFieldProblems(type: string, message: IsoMessage): FieldProblem[] {
  const fields = allowed[type];
  if (fields === undefined) return [];
  const chip = chipReads.has((message.fields['22'] ?? '').slice(0, 2));
  const scan = (type === 'sale' || type === 'reversal') && message.fields['59'] !== undefined;
  const problems: FieldProblem[] = [];
  for (const key of Object.keys(message.fields)) {
    if (!fields.has(key)) {
      problems.push({
        field: `field ${key}`,
        expected: `absent: a ${type} request does not use it`,
        actual: 'present',
      });
    } else if (scan && (cardFields.includes(key) || chipFields.includes(key))) {
      problems.push({
        field: `field ${key}`,
        expected: 'absent: a scan-code sale (field 59), and its reversal, carry no card data',
        actual: 'present',
      });
    } else if (chipFields.includes(key) && !chip) {
      problems.push({
        field: `field ${key}`,
        expected: 'absent unless field 22 says chip or contactless (05, 07, 96, 98)',
        actual: `present with entry mode ${JSON.stringify(message.fields['22'] ?? 'none')}`,
      });
    }
  }
  return problems;
}
