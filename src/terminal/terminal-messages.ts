// The messages a terminal sends, built from named values with the codec's builders, and the checks
// an answer must pass before the terminal believes it (CUP POS spec; docs/iso8583.md). Card data
// goes only where the protocol puts it: field 2 and 14 for keyed, chip and contactless reads,
// track 2 (field 35) for a swipe. Reversal records are stripped of card data before they are kept.
import { rethrowInvariant } from '../assert.js';
import {
  duplicateConfirmationMarker,
  entryModeCodes,
  transactionQueryMarker,
  buildField61,
  buildRequest,
  buildReversal,
  buildSettlementTotals,
  buildBatchUploadCount,
  buildScanRequest,
  buildShownCodeRequest,
  qrOrderCloseMarker,
  buildStatusReport,
  decodeFrame,
  type IsoMessage,
  type ReversalReason,
  type SettlementTotals,
  type SignInKeyMode,
} from '../iso8583/index.js';
import type { TelemetryReportJson } from '../diagnostics/telemetry.js';
import type { EntryMode } from '../payments/payment.js';
import type { OriginalRef, TransactionRecord } from './journal.js';

/** What the reader gave: the clear PAN lives only in memory for the one request. */
export interface CardInput {
  readonly pan: string;
  /** YYMM. */
  readonly expiry: string;
  readonly entryMode: EntryMode;
  /** Track 2 as read (PAN = expiry service code ...); built from the PAN and expiry when absent. */
  readonly track2?: string;
}

export interface TerminalIdentity {
  readonly merchantId: string;
  readonly terminalId: string;
  /** Hex; CUP POS terminals send 60 + destination + source. */
  readonly tpdu: string;
  /** Hex: application type, version, state and processing requirement, sub-version. */
  readonly header: string;
}

export const defaultTpdu = '6000030000';
export const defaultHeader = '603100000000';

/** Every entry mode the engine knows has its field 22 code (a new mode without one does not compile). */
const entryCodes: Readonly<Record<EntryMode, string>> = entryModeCodes;

interface Common {
  readonly identity: TerminalIdentity;
  readonly stan: number;
  readonly batchNo: string;
}

function base(common: Common) {
  return {
    tpdu: common.identity.tpdu,
    header: common.identity.header,
    stan: common.stan,
    batchNumber: Number(common.batchNo),
    terminalId: common.identity.terminalId.padEnd(8),
    merchantId: common.identity.merchantId.padEnd(15),
  };
}

function cardFields(card: CardInput): Record<string, string> {
  // Third digit of field 22: 2 = no PIN entered (the virtual POS takes no PINs).
  const entry = `${entryCodes[card.entryMode]}2`;
  if (card.entryMode === 'swipe')
    return { '22': entry, '35': card.track2 ?? `${card.pan}=${card.expiry}101` };
  return { '2': card.pan, '14': card.expiry, '22': entry };
}

function operatorField(operatorId: string | null, confirmDuplicate = false): string {
  return `${(operatorId ?? '01').slice(0, 3).padEnd(3)}${confirmDuplicate ? duplicateConfirmationMarker : ''}`;
}

export function signInRequest(
  common: Common & { mode: SignInKeyMode; operatorId: string | null },
): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'sign-in',
    networkManagementCode: common.mode,
    fields: { '63': operatorField(common.operatorId) },
  });
}

export function signOffRequest(common: Common): IsoMessage {
  return buildRequest({ ...base(common), type: 'sign-off' });
}

/** An echo test; with `query`, the transaction query of docs/iso8583.md (batch + STAN, or '' for the latest). */
export function echoRequest(common: Common & { query?: string }): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'echo',
    ...(common.query === undefined ? {} : { fields: { '63': `${transactionQueryMarker}${common.query}` } }),
  });
}

/** A status upload (issue 14): the report in field 62 as TLV, MACed when sent. */
export function statusUploadRequest(common: Common & { report: TelemetryReportJson }): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'status-upload',
    fields: { '62': buildStatusReport(common.report) },
  });
}

export function saleRequest(
  common: Common & { amount: number; card: CardInput; operatorId: string | null; confirmDuplicate: boolean },
): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'sale',
    amountMinor: common.amount,
    fields: { ...cardFields(common.card), '63': operatorField(common.operatorId, common.confirmDuplicate) },
  });
}

/**
 * A scan-code (QR) sale: a sale without card fields, the customer's payment code in field 59 as
 * posguard's scan-code TLV (ST 01, PC the code). The code lives in memory for this one request.
 */
export function scanRequest(
  common: Common & { amount: number; code: string; operatorId: string | null; confirmDuplicate: boolean },
): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'sale',
    amountMinor: common.amount,
    fields: {
      '59': buildScanRequest(common.code),
      '63': operatorField(common.operatorId, common.confirmDuplicate),
    },
  });
}

/**
 * A request for a code to show (a QR order, merchant-presented): a sale without card fields whose
 * field 59 is ST 02 and, when the cashier chose one, the wallet (WL).
 */
export function showCodeRequest(
  common: Common & {
    amount: number;
    wallet: string | null;
    operatorId: string | null;
    confirmDuplicate: boolean;
  },
): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'sale',
    amountMinor: common.amount,
    fields: {
      '59': buildShownCodeRequest(common.wallet),
      '63': operatorField(common.operatorId, common.confirmDuplicate),
    },
  });
}

/** The close of an order (an echo, field 63 `QRC` + the batch and STAN of the 0200 that made it). */
export function orderCloseRequest(common: Common & { order: { batchNo: string; stan: string } }): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'echo',
    fields: { '63': `${qrOrderCloseMarker}${common.order.batchNo}${common.order.stan}` },
  });
}

export function balanceRequest(common: Common & { card: CardInput }): IsoMessage {
  return buildRequest({ ...base(common), type: 'balance', fields: cardFields(common.card) });
}

export function voidRequest(
  common: Common & { original: OriginalRef; operatorId: string | null },
): IsoMessage {
  const { original } = common;
  return buildRequest({
    ...base(common),
    type: 'void',
    amountMinor: original.amount,
    fields: {
      '37': original.rrn,
      ...(original.authCode === null ? {} : { '38': original.authCode }),
      '61': buildField61({
        originalBatchNumber: Number(original.batchNo),
        originalStan: Number(original.stan),
      }),
      '63': operatorField(common.operatorId),
    },
  });
}

export function refundRequest(
  common: Common & { original: OriginalRef; amount: number; operatorId: string | null },
): IsoMessage {
  const { original } = common;
  return buildRequest({
    ...base(common),
    type: 'refund',
    amountMinor: common.amount,
    fields: {
      '37': original.rrn,
      '61': buildField61({
        originalBatchNumber: Number(original.batchNo),
        originalStan: Number(original.stan),
        ...(original.date === null ? {} : { originalDate: original.date }),
      }),
      '63': operatorField(common.operatorId),
    },
  });
}

export function settlementRequest(common: Common & { totals: SettlementTotals }): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'settlement',
    fields: { '48': buildSettlementTotals(common.totals) },
  });
}

/** One batch-upload record: the transaction as the journal has it, under its own STAN. */
export function uploadRequest(common: Omit<Common, 'stan'> & { record: TransactionRecord }): IsoMessage {
  const { record } = common;
  return buildRequest({
    ...base({ ...common, stan: Number(record.stan) }),
    type: 'batch-upload',
    messageTypeCode: record.kind === 'refund' ? '25' : '22',
    amountMinor: record.amount,
    fields: {
      '3': record.kind === 'refund' ? '200000' : '000000',
      ...(record.rrn === null ? {} : { '37': record.rrn }),
      ...(record.authCode === null ? {} : { '38': record.authCode }),
    },
  });
}

export function uploadEndRequest(common: Common & { count: number }): IsoMessage {
  return buildRequest({
    ...base(common),
    type: 'batch-upload-end',
    // The closing upload is a management message of its own: 60.1 = 00.
    messageTypeCode: '00',
    networkManagementCode: '202',
    fields: { '48': buildBatchUploadCount(common.count) },
  });
}

/**
 * Card data a reversal record never keeps: the host finds the original by terminal, batch and STAN.
 * Field 59 of a scan-code sale holds the customer's payment code, a bearer token: left out too.
 */
const cardDataFields = ['2', '14', '35', '36', '52', '53', '55', '59'];

/** The 0400 for a reversible request, without card data; its field 39 is the reason. */
export function reversalMessage(request: IsoMessage, reason: ReversalReason, authCode?: string): IsoMessage {
  const reversal = buildReversal({
    original: request,
    reason,
    ...(authCode === undefined ? {} : { authorisationCode: authCode }),
  });
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(reversal.fields))
    if (!cardDataFields.includes(key)) fields[key] = value;
  return { ...reversal, fields };
}

/** The processing requirement of an answer's header (3: sign in again). */
export function processingRequirementOf(message: IsoMessage): number {
  const header = message.header ?? '';
  return header.length >= 6 ? Number.parseInt(header[5] ?? '0', 16) : 0;
}

export type AnswerCheck =
  | { readonly kind: 'answer'; readonly message: IsoMessage }
  | { readonly kind: 'not-ours'; readonly detail: string };

/** Decodes an answer and checks it answers `request`: MTI + 10, same STAN and terminal. */
export function checkAnswer(request: IsoMessage, frame: Buffer): AnswerCheck {
  let message: IsoMessage;
  try {
    message = decodeFrame(frame);
  } catch (error) {
    rethrowInvariant(error);
    return { kind: 'not-ours', detail: `an unreadable answer: ${(error as Error).message}` };
  }
  const expectedMti = `${request.mti.slice(0, 2)}${Number(request.mti[2]) + 1}${request.mti.slice(3)}`;
  if (message.mti !== expectedMti)
    return { kind: 'not-ours', detail: `MTI ${message.mti}, expected ${expectedMti}` };
  if (message.fields['11'] !== request.fields['11']) {
    return {
      kind: 'not-ours',
      detail: `STAN ${message.fields['11'] ?? 'none'}, expected ${request.fields['11']}`,
    };
  }
  if (message.fields['41'] !== request.fields['41'])
    return { kind: 'not-ours', detail: 'another terminal id' };
  if (message.fields['39'] === undefined) return { kind: 'not-ours', detail: 'no response code (field 39)' };
  return { kind: 'answer', message };
}
