// Builds CUP POS messages from named values and the transaction table: a request of a given type,
// the host's answer to a request, and the reversal (0400) of an unanswered request. The result is
// the canonical decode form (IsoMessage), ready for encodeFrame or encodeSignedFrame.
import { PosError, describeValue, type FieldProblem } from '../pos-error.js';
import type { IsoMessage } from './iso-message.js';
import { buildField60, type Field60 } from './field-60.js';
import { numberDigits } from './fixed-digits.js';
import {
  classify,
  isResponseMti,
  reversalMtis,
  transactionDefinition,
  transactionTable,
  type TransactionType,
} from './transactions.js';

export interface BuildRequestOptions {
  readonly type: TransactionType;
  /** Framing parts (hex); null for messages that travel as a body only. */
  readonly tpdu: string | null;
  readonly header: string | null;
  readonly stan: number;
  readonly batchNumber: number;
  readonly terminalId: string;
  readonly merchantId: string;
  /** Sets field 4 (n12) and field 49. */
  readonly amountMinor?: number;
  /** ISO 4217 numeric code for field 49 when an amount is given; default 156 (CNY). */
  readonly currencyNumeric?: string;
  /** 60.3 when the type allows more than one (sign-in 001/003/004, batch-upload end 202/207). */
  readonly networkManagementCode?: string;
  /** 60.1 for batch uploads, which copy it from the original. */
  readonly messageTypeCode?: string;
  /** 60.4 to 60.7. */
  readonly field60Trailing?: Pick<
    Field60,
    'readerCapability' | 'icConditionCode' | 'partialDebitFlag' | 'accountType'
  >;
  /** Any further fields, verbatim (2, 14, 22, 35, 52, 55, 61...). Not those the builder sets. */
  readonly fields?: Readonly<Record<string, string>>;
}

function refuse(problems: readonly FieldProblem[]): PosError {
  return PosError.invalidInput('POS_ERR_ISO_BAD_VALUE', 'message to build', problems);
}

function addExtraFields(
  fields: Record<string, string>,
  extra: Readonly<Record<string, string>> | undefined,
  problems: FieldProblem[],
): void {
  if (extra === undefined) return;
  for (const [key, value] of Object.entries(extra)) {
    if (Object.hasOwn(fields, key)) {
      problems.push({
        field: `field ${key}`,
        expected: 'only in the named options',
        actual: 'also in fields',
      });
    } else {
      fields[key] = value;
    }
  }
}

/** A request of `type` with the MTI, F3, F25 and field 60 the table gives it. */
export function buildRequest(options: BuildRequestOptions): IsoMessage {
  const definition = transactionDefinition(options.type);
  const problems: FieldProblem[] = [];
  const networkManagementCode =
    options.networkManagementCode ?? definition.networkManagementCodes[0] ?? '000';
  if (!definition.networkManagementCodes.includes(networkManagementCode)) {
    problems.push({
      field: 'networkManagementCode',
      expected: definition.networkManagementCodes.join(' | '),
      actual: describeValue(networkManagementCode),
    });
  }
  const messageTypeCode = definition.messageTypeCode ?? options.messageTypeCode;
  if (messageTypeCode === undefined) {
    problems.push({
      field: 'messageTypeCode',
      expected: `the original's 60.1 for a ${options.type}`,
      actual: 'nothing',
    });
  } else if (definition.messageTypeCode !== undefined && options.messageTypeCode !== undefined) {
    problems.push({
      field: 'messageTypeCode',
      expected: `nothing: a ${options.type} has 60.1 = ${definition.messageTypeCode}`,
      actual: describeValue(options.messageTypeCode),
    });
  }

  const fields: Record<string, string> = {};
  if (definition.processingCode !== undefined) fields['3'] = definition.processingCode;
  if (options.amountMinor !== undefined) {
    fields['4'] = numberDigits('amountMinor', options.amountMinor, 12, problems);
    fields['49'] = options.currencyNumeric ?? '156';
  }
  fields['11'] = numberDigits('stan', options.stan, 6, problems);
  if (definition.conditionCode !== undefined) fields['25'] = definition.conditionCode;
  fields['41'] = options.terminalId;
  fields['42'] = options.merchantId;
  if (problems.length === 0 && messageTypeCode !== undefined) {
    try {
      fields['60'] = buildField60({
        messageTypeCode,
        batchNumber: options.batchNumber,
        networkManagementCode,
        ...options.field60Trailing,
      });
    } catch (error) {
      if (!(error instanceof PosError)) throw error;
      problems.push(...error.problems);
    }
  }
  addExtraFields(fields, options.fields, problems);
  if (problems.length > 0) throw refuse(problems);
  return { length: null, tpdu: options.tpdu, header: options.header, mti: definition.requestMti, fields };
}

/** The fields an answer copies from its request (as in the published 0200/0210 pair). */
export const echoedFields: readonly string[] = ['3', '4', '11', '25', '41', '42', '49', '60'];

export interface BuildResponseOptions {
  readonly request: IsoMessage;
  /** Field 39. */
  readonly responseCode: string;
  /** Further fields (12, 13, 14, 15, 32, 37, 38, 44, 62, 63...), added to or replacing the echoed ones. */
  readonly fields?: Readonly<Record<string, string>>;
  /** Sets the header's processing requirement nibble (0 none, 1 to 6: what the terminal must do next). */
  readonly processingRequirement?: number;
}

/** The answer to a request: MTI + 10, TPDU and header echoed, echoed fields copied, field 39 set. */
export function buildResponse(options: BuildResponseOptions): IsoMessage {
  const { request } = options;
  const problems: FieldProblem[] = [];
  if (request.mti.length !== 4 || isResponseMti(request.mti) || !/^\d{4}$/.test(request.mti)) {
    problems.push({
      field: 'request.mti',
      expected: 'a request MTI (third digit even)',
      actual: describeValue(request.mti),
    });
  }
  if (!/^[0-9A-Z]{2}$/.test(options.responseCode)) {
    problems.push({
      field: 'responseCode',
      expected: '2 digits or capital letters',
      actual: describeValue(options.responseCode),
    });
  }
  let header = request.header;
  const requirement = options.processingRequirement;
  if (requirement !== undefined) {
    if (!Number.isSafeInteger(requirement) || requirement < 0 || requirement > 6) {
      problems.push({
        field: 'processingRequirement',
        expected: 'a whole number from 0 to 6',
        actual: describeValue(requirement),
      });
    } else if (header === null || header.length < 6) {
      problems.push({
        field: 'request.header',
        expected: 'a header to carry the processing requirement',
        actual: describeValue(header),
      });
    } else {
      // Header byte 3: terminal state (high nibble) + processing requirement (low nibble).
      header = `${header.slice(0, 5)}${requirement}${header.slice(6)}`;
    }
  }
  if (problems.length > 0) throw refuse(problems);
  const fields: Record<string, string> = {};
  for (const key of echoedFields) {
    const value = request.fields[key];
    if (value !== undefined) fields[key] = value;
  }
  fields['39'] = options.responseCode;
  Object.assign(fields, options.fields);
  const mti = `${request.mti.slice(0, 2)}${Number(request.mti[2]) + 1}${request.mti.slice(3)}`;
  return { length: null, tpdu: request.tpdu, header, mti, fields };
}

/** Why a terminal reverses (CUP POS spec, reversal: field 39 of the 0400). */
export const reversalReasons = {
  /** No answer in time. */
  'no-answer': '98',
  /** An approved answer came, but the terminal failed to finish. */
  'terminal-failed': '96',
  /** The answer's MAC failed. */
  'mac-failed': 'A0',
  /** Anything else. */
  other: '06',
} as const;

export type ReversalReason = keyof typeof reversalReasons;

/** Fields a reversal leaves out of its copy of the original (card data, PIN, RRN). */
const fieldsLeftOut: readonly string[] = ['26', '35', '36', '37', '52', '53'];

/**
 * The 0400 that reverses an unanswered request: a copy with MTI 0400, field 39 = the reason and
 * fields 26, 35, 36, 37, 52 and 53 removed; field 38 set when the authorisation code is known.
 * Same STAN, batch, terminal and field 61. Field 64 is kept as a placeholder: sign the result.
 */
export function buildReversal(options: {
  original: IsoMessage;
  reason: ReversalReason;
  authorisationCode?: string;
}): IsoMessage {
  const { original } = options;
  const type = classify(original);
  const definition = transactionTable.find((d) => d.type === type);
  const problems: FieldProblem[] = [];
  if (definition === undefined || !definition.reversible || original.mti !== definition.requestMti) {
    problems.push({
      field: 'original',
      expected: 'a reversible request (sale, void, pre-auth family)',
      actual: `a ${type} ${original.mti}`,
    });
  }
  const code = reversalReasons[options.reason] as string | undefined;
  if (code === undefined) {
    problems.push({
      field: 'reason',
      expected: Object.keys(reversalReasons).join(' | '),
      actual: describeValue(options.reason),
    });
  }
  if (problems.length > 0) throw refuse(problems);
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(original.fields)) {
    if (!fieldsLeftOut.includes(key)) fields[key] = value;
  }
  fields['39'] = code ?? '06';
  if (options.authorisationCode !== undefined) fields['38'] = options.authorisationCode;
  return { ...original, length: null, mti: reversalMtis.request, fields };
}
