// Field 59 of CUP POS messages (acquirer-defined data, ans...999 LLLVAR) as posguard's scan-code
// TLV (docs/iso8583.md, "Scan-code (QR) sales and field 59"). CUP acquirers carry scan-code data
// in field 59 in a layout each defines; posguard's is a list of elements, each
//   tag (2 capital letters or digits) + length (3 digits: the value's characters) + value,
// the value printable ASCII. A scan-code sale (0200) carries ST (scan type, 01 = the terminal
// scanned the customer's payment code, 付款码) and PC (the payment code); its answer carries WL
// (the wallet), MC (the code masked) and, once the wallet charged, TN (the wallet's trade number).
// A payment code is a bearer token: no problem reported here quotes a value, a tag or a length of
// the field, only where in the field it went wrong, so no digit of a code reaches a log line.
import type { FieldProblem, PosError } from '../pos-error.js';
import { badSubfield } from './fixed-digits.js';

export const scanTags = {
  scanType: 'ST',
  paymentCode: 'PC',
  wallet: 'WL',
  codeMasked: 'MC',
  tradeNo: 'TN',
} as const;

/** ST = 01: customer-presented, the terminal scanned the code the customer shows (付款码). */
export const customerPresentedScan = '01';

const tagShape = /^[0-9A-Z]{2}$/;
const headerLength = 5;

/** The elements of a field 59 TLV, in order; throws POS_ERR_ISO_BAD_SUBFIELD naming where it breaks. */
export function parseField59(text: string): ReadonlyMap<string, string> {
  const elements = new Map<string, string>();
  const problems: FieldProblem[] = [];
  let at = 0;
  while (at < text.length && problems.length === 0) {
    const tag = text.slice(at, at + 2);
    const length = text.slice(at + 2, at + headerLength);
    if (text.length - at < headerLength || !tagShape.test(tag) || !/^\d{3}$/.test(length)) {
      problems.push({
        field: 'field 59',
        expected: 'elements of tag (2 capital letters or digits) + length (3 digits) + value',
        actual: `an element at character ${at} without that form`,
      });
    } else if (at + headerLength + Number(length) > text.length) {
      problems.push({
        field: 'field 59',
        expected: "each element's value within the field",
        actual: `an element at character ${at} running past the end (${text.length} characters)`,
      });
    } else if (elements.has(tag)) {
      problems.push({
        field: 'field 59',
        expected: 'each tag once',
        actual: `a tag repeated at character ${at}`,
      });
    } else {
      elements.set(tag, text.slice(at + headerLength, at + headerLength + Number(length)));
      at += headerLength + Number(length);
    }
  }
  if (problems.length > 0) throw badSubfield('field 59', problems);
  return elements;
}

/** Writes elements as field 59 TLV; throws POS_ERR_ISO_BAD_SUBFIELD for a bad tag or value. */
export function buildField59(elements: ReadonlyArray<readonly [string, string]>): string {
  const problems: FieldProblem[] = [];
  let text = '';
  for (const [tag, value] of elements) {
    if (!tagShape.test(tag)) {
      problems.push({
        field: 'field 59 tag',
        expected: '2 capital letters or digits',
        actual: 'another tag',
      });
    } else if (value.length > 999 || !/^[\x20-\x7e]*$/.test(value)) {
      problems.push({
        field: `field 59 ${tag}`,
        expected: 'at most 999 printable ASCII characters',
        actual: `${value.length} characters`,
      });
    } else {
      text += `${tag}${String(value.length).padStart(3, '0')}${value}`;
    }
  }
  if (text.length > 999) {
    problems.push({ field: 'field 59', expected: 'at most 999 characters', actual: `${text.length}` });
  }
  if (problems.length > 0) throw badSubfield('field 59', problems);
  return text;
}

/** What a scan-code sale's field 59 says: the scan type and the payment code as scanned. */
export interface ScanRequestData {
  readonly scanType: typeof customerPresentedScan;
  /** The payment code: the caller puts it in a Secret at once and never logs it. */
  readonly paymentCode: string;
}

export function refuseField59(problem: FieldProblem): PosError {
  return badSubfield('field 59', [problem]);
}

/**
 * A request's field 59 as its elements, refused when it holds a tag other than `allowed` (an unused
 * element is room for the filler bytes of a forged MAC input, as an unused field is). `what` names
 * the request in the problem ("a scan-code sale").
 */
export function requestElements(
  text: string,
  allowed: readonly string[],
  what: string,
): ReadonlyMap<string, string> {
  const elements = parseField59(text);
  const unknown = [...elements.keys()].filter((tag) => !allowed.includes(tag));
  if (unknown.length > 0) {
    throw refuseField59({
      field: 'field 59',
      expected: `only the tags ${allowed.join(' and ')} in ${what}`,
      actual: `${unknown.length} other tag(s)`,
    });
  }
  return elements;
}

/**
 * Reads a scan-code sale's field 59: ST must be 01 and PC present; any other tag is refused (an
 * unused element is room for the filler bytes of a forged MAC input, as an unused field is).
 */
export function parseScanRequest(text: string): ScanRequestData {
  const elements = requestElements(text, [scanTags.scanType, scanTags.paymentCode], 'a scan-code sale');
  const scanType = elements.get(scanTags.scanType);
  if (scanType !== customerPresentedScan) {
    throw refuseField59({
      field: `field 59 ${scanTags.scanType}`,
      expected: `${customerPresentedScan} (the terminal scanned the customer's payment code)`,
      actual: scanType === undefined ? 'nothing' : `${scanType.length} other character(s)`,
    });
  }
  const paymentCode = elements.get(scanTags.paymentCode);
  if (paymentCode === undefined) {
    throw refuseField59({
      field: `field 59 ${scanTags.paymentCode}`,
      expected: 'the payment code',
      actual: 'nothing',
    });
  }
  return { scanType: customerPresentedScan, paymentCode };
}

/** The field 59 of a scan-code sale the terminal sends. */
export function buildScanRequest(paymentCode: string): string {
  return buildField59([
    [scanTags.scanType, customerPresentedScan],
    [scanTags.paymentCode, paymentCode],
  ]);
}

/** What the host's answer to a scan-code sale says in field 59. */
export interface ScanAnswerData {
  /** alipay, wechat or unionpay. */
  readonly wallet: string;
  /** Stars and the last four digits. */
  readonly codeMasked: string;
  /** The wallet's own trade number, once it charged; null before (or when it did not). */
  readonly tradeNo: string | null;
}

export function buildScanAnswer(data: ScanAnswerData): string {
  return buildField59([
    [scanTags.wallet, data.wallet],
    [scanTags.codeMasked, data.codeMasked],
    ...(data.tradeNo === null ? [] : ([[scanTags.tradeNo, data.tradeNo]] as const)),
  ]);
}

/** Reads the answer's field 59; undefined when it is absent or not the host's scan-code answer. */
export function parseScanAnswer(text: string | undefined): ScanAnswerData | undefined {
  if (text === undefined) return undefined;
  let elements: ReadonlyMap<string, string>;
  try {
    elements = parseField59(text);
  } catch {
    return undefined;
  }
  const wallet = elements.get(scanTags.wallet);
  const codeMasked = elements.get(scanTags.codeMasked);
  if (wallet === undefined || codeMasked === undefined) return undefined;
  return { wallet, codeMasked, tradeNo: elements.get(scanTags.tradeNo) ?? null };
}
