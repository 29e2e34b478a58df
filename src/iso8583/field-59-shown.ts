// Field 59 of a code the terminal shows (a QR order, merchant-presented; issue 20 point 4), in
// posguard's scan-code TLV (field-59.ts; docs/iso8583.md, "Codes the terminal shows"). The terminal
// asks for an order with a 0200 sale whose field 59 is ST = 02 (merchant-presented) and, optionally,
// WL (the wallet whose code to show); it carries no payment code and no card field. The host's
// answers about the order (to that 0200, to a transaction query, to a close) carry:
//   WL the wallet, ON the merchant order number at the wallet, OS the order's state,
//   QR the content to show as a QR code (only while the order may be paid),
//   EX when the order expires (YYYYMMDDhhmmss, China Standard Time), TN the wallet's trade number
//   (only once paid).
// The code content is the wallet's URL for the merchant's order, not a customer's bearer token,
// but, as for a payment code, no problem reported here quotes a value of the field.
import { buildField59, parseField59, refuseField59, requestElements, scanTags } from './field-59.js';

/** ST = 02: merchant-presented, the customer scans the code the terminal shows. */
export const merchantPresentedScan = '02';

export const shownTags = {
  scanType: scanTags.scanType,
  wallet: scanTags.wallet,
  tradeNo: scanTags.tradeNo,
  orderNo: 'ON',
  orderState: 'OS',
  qrContent: 'QR',
  expiresAt: 'EX',
} as const;

/**
 * What became of an order, as the terminal acts on it: `pending` (show the code, wait), `paid`
 * (the sale is approved), `closed` (taken away or replaced: not paid), `expired` (not paid in
 * time), `declined` (the wallet made no code), `held` (paid by the same customer for the same
 * amount moments ago: a suspected duplicate, refunded).
 */
export const shownOrderStates = ['pending', 'paid', 'closed', 'expired', 'declined', 'held'] as const;
export type ShownOrderState = (typeof shownOrderStates)[number];

/** What a terminal's request for a code says: the wallet, or null for the host's choice. */
export interface ShownCodeRequestData {
  readonly wallet: string | null;
}

/** What the host says about an order. */
export interface ShownCodeAnswerData {
  readonly wallet: string;
  readonly orderNo: string;
  readonly state: ShownOrderState;
  /** Only while the order is pending and the wallet made its code. */
  readonly qrContent: string | null;
  /** Epoch milliseconds (whole seconds on the wire). */
  readonly expiresAt: number | null;
  /** Only once paid. */
  readonly tradeNo: string | null;
}

const walletShape = /^[a-z]{1,16}$/;
const chinaOffsetMs = 8 * 3600 * 1000;

/** The scan type of a field 59, or undefined when the field is not well formed. Never throws. */
export function scanTypeOf(text: string): string | undefined {
  try {
    return parseField59(text).get(scanTags.scanType);
  } catch {
    return undefined;
  }
}

/**
 * Reads the field 59 of a request for a code to show: ST must be 02, WL (when present) a wallet's
 * name; any other tag (a payment code among them) is refused, as unused room in a MACed message.
 */
export function parseShownCodeRequest(text: string): ShownCodeRequestData {
  const elements = requestElements(
    text,
    [shownTags.scanType, shownTags.wallet],
    'a request for a code to show',
  );
  const scanType = elements.get(shownTags.scanType);
  if (scanType !== merchantPresentedScan) {
    throw refuseField59({
      field: `field 59 ${shownTags.scanType}`,
      expected: `${merchantPresentedScan} (the terminal shows a code)`,
      actual: scanType === undefined ? 'nothing' : `${scanType.length} other character(s)`,
    });
  }
  const wallet = elements.get(shownTags.wallet);
  if (wallet !== undefined && !walletShape.test(wallet)) {
    throw refuseField59({
      field: `field 59 ${shownTags.wallet}`,
      expected: "a wallet's name such as alipay or wechat",
      actual: `${wallet.length} character(s) of another form`,
    });
  }
  return { wallet: wallet ?? null };
}

/** The field 59 of a request for a code to show. */
export function buildShownCodeRequest(wallet: string | null): string {
  return buildField59([
    [shownTags.scanType, merchantPresentedScan],
    ...(wallet === null ? [] : ([[shownTags.wallet, wallet]] as const)),
  ]);
}

function chinaTime(epochMs: number): string {
  return new Date(epochMs + chinaOffsetMs).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

function epochOfChinaTime(text: string): number | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (match === null) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const epochMs = Date.UTC(y, mo - 1, d, h, mi, s) - chinaOffsetMs;
  return Number.isFinite(epochMs) ? epochMs : null;
}

export function buildShownCodeAnswer(data: ShownCodeAnswerData): string {
  return buildField59([
    [shownTags.wallet, data.wallet],
    [shownTags.orderNo, data.orderNo],
    [shownTags.orderState, data.state],
    ...(data.qrContent === null ? [] : ([[shownTags.qrContent, data.qrContent]] as const)),
    ...(data.expiresAt === null ? [] : ([[shownTags.expiresAt, chinaTime(data.expiresAt)]] as const)),
    ...(data.tradeNo === null ? [] : ([[shownTags.tradeNo, data.tradeNo]] as const)),
  ]);
}

/** Reads what the host said about an order; undefined when field 59 is absent or not such an answer. */
export function parseShownCodeAnswer(text: string | undefined): ShownCodeAnswerData | undefined {
  if (text === undefined) return undefined;
  let elements: ReadonlyMap<string, string>;
  try {
    elements = parseField59(text);
  } catch {
    return undefined;
  }
  const wallet = elements.get(shownTags.wallet);
  const orderNo = elements.get(shownTags.orderNo);
  const state = shownOrderStates.find((s) => s === elements.get(shownTags.orderState));
  if (wallet === undefined || orderNo === undefined || state === undefined) return undefined;
  const expiresText = elements.get(shownTags.expiresAt);
  const expiresAt = expiresText === undefined ? null : epochOfChinaTime(expiresText);
  if (expiresText !== undefined && expiresAt === null) return undefined;
  return {
    wallet,
    orderNo,
    state,
    qrContent: elements.get(shownTags.qrContent) ?? null,
    expiresAt,
    tradeNo: elements.get(shownTags.tradeNo) ?? null,
  };
}
