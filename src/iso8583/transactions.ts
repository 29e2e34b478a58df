// The CUP POS transaction types as data (docs/reference/cup-pos-iso8583.md, "Transactions"):
// which MTI, processing code (F3), condition code (F25), message type code (60.1) and network
// management code (60.3) make each one, and whether it can be reversed. `classify` reads a
// decoded message back into its type; the builders (transaction-builders.ts) write from it.
import { assert } from '../assert.js';
import type { IsoMessage } from './iso-message.js';

export type TransactionType =
  | 'sign-in'
  | 'sign-off'
  | 'echo'
  | 'status-upload'
  | 'balance'
  | 'sale'
  | 'void'
  | 'refund'
  | 'pre-auth'
  | 'pre-auth-void'
  | 'pre-auth-completion'
  | 'pre-auth-completion-void'
  | 'settlement'
  | 'batch-upload'
  | 'batch-upload-end';

export interface TransactionDefinition {
  readonly type: TransactionType;
  readonly requestMti: string;
  readonly responseMti: string;
  /** F3; absent where the message carries none. */
  readonly processingCode?: string;
  /** F25; absent where the message carries none. */
  readonly conditionCode?: string;
  /** 60.1; absent where it is copied from the original (batch upload). */
  readonly messageTypeCode?: string;
  /** 60.3 values that make this type; builders use the first unless told otherwise. */
  readonly networkManagementCodes: readonly string[];
  /** Whether an unanswered request is reversed with a 0400. */
  readonly reversible: boolean;
}

export const transactionTable: readonly TransactionDefinition[] = [
  {
    type: 'sign-in',
    requestMti: '0800',
    responseMti: '0810',
    messageTypeCode: '00',
    // 001 single-length keys, 003 double length, 004 double length with a track key.
    networkManagementCodes: ['003', '001', '004'],
    reversible: false,
  },
  {
    type: 'sign-off',
    requestMti: '0820',
    responseMti: '0830',
    messageTypeCode: '00',
    networkManagementCodes: ['002'],
    reversible: false,
  },
  {
    type: 'echo',
    requestMti: '0820',
    responseMti: '0830',
    messageTypeCode: '00',
    networkManagementCodes: ['301'],
    reversible: false,
  },
  {
    // posguard's status upload (issue 14; docs/iso8583.md): a terminal's telemetry, field 62 as
    // TLV. 362 is in no table of the reference; 3xx is where terminal-to-host management that moves
    // no money sits (301 echo), and a CUP terminal's own status upload is an 0820 with field 62.
    type: 'status-upload',
    requestMti: '0820',
    responseMti: '0830',
    messageTypeCode: '00',
    networkManagementCodes: ['362'],
    reversible: false,
  },
  {
    type: 'balance',
    requestMti: '0200',
    responseMti: '0210',
    processingCode: '310000',
    conditionCode: '00',
    messageTypeCode: '01',
    networkManagementCodes: ['000'],
    reversible: false,
  },
  {
    type: 'sale',
    requestMti: '0200',
    responseMti: '0210',
    processingCode: '000000',
    conditionCode: '00',
    messageTypeCode: '22',
    networkManagementCodes: ['000'],
    reversible: true,
  },
  {
    type: 'void',
    requestMti: '0200',
    responseMti: '0210',
    processingCode: '200000',
    conditionCode: '00',
    messageTypeCode: '23',
    networkManagementCodes: ['000'],
    reversible: true,
  },
  {
    type: 'refund',
    requestMti: '0220',
    responseMti: '0230',
    processingCode: '200000',
    conditionCode: '00',
    messageTypeCode: '25',
    networkManagementCodes: ['000'],
    reversible: false,
  },
  {
    type: 'pre-auth',
    requestMti: '0100',
    responseMti: '0110',
    processingCode: '030000',
    conditionCode: '06',
    messageTypeCode: '10',
    networkManagementCodes: ['000'],
    reversible: true,
  },
  {
    type: 'pre-auth-void',
    requestMti: '0100',
    responseMti: '0110',
    processingCode: '200000',
    conditionCode: '06',
    messageTypeCode: '11',
    networkManagementCodes: ['000'],
    reversible: true,
  },
  {
    type: 'pre-auth-completion',
    requestMti: '0200',
    responseMti: '0210',
    processingCode: '000000',
    conditionCode: '06',
    messageTypeCode: '20',
    networkManagementCodes: ['000'],
    reversible: true,
  },
  {
    type: 'pre-auth-completion-void',
    requestMti: '0200',
    responseMti: '0210',
    processingCode: '200000',
    conditionCode: '06',
    messageTypeCode: '21',
    networkManagementCodes: ['000'],
    reversible: true,
  },
  {
    type: 'settlement',
    requestMti: '0500',
    responseMti: '0510',
    messageTypeCode: '00',
    networkManagementCodes: ['201'],
    reversible: false,
  },
  {
    type: 'batch-upload',
    requestMti: '0320',
    responseMti: '0330',
    networkManagementCodes: ['201'],
    reversible: false,
  },
  {
    // The last batch upload: 202 for magnetic stripe, 207 for EMV; field 48 has the record count.
    type: 'batch-upload-end',
    requestMti: '0320',
    responseMti: '0330',
    networkManagementCodes: ['202', '207'],
    reversible: false,
  },
];

export const reversalMtis = { request: '0400', response: '0410' } as const;

const byType: ReadonlyMap<TransactionType, TransactionDefinition> = new Map(
  transactionTable.map((d) => [d.type, d]),
);

export function transactionDefinition(type: TransactionType): TransactionDefinition {
  const definition = byType.get(type);
  assert(definition !== undefined, `no transaction type ${JSON.stringify(type)}`);
  return definition;
}

/** 60.1 and 60.3 from field 60's first 11 digits, without the full sub-field checks. */
function field60Codes(
  message: IsoMessage,
): { messageTypeCode: string; networkManagementCode: string } | undefined {
  const text = message.fields['60'];
  if (text === undefined || text.length < 11) return undefined;
  return { messageTypeCode: text.slice(0, 2), networkManagementCode: text.slice(8, 11) };
}

/**
 * Whether the message's F3, F25, 60.1 and 60.3 are those of `definition`. F3 is compared on its
 * first two digits, the transaction type code: the account-type digits after them vary by card.
 */
function fieldsMatch(definition: TransactionDefinition, message: IsoMessage): boolean {
  const codes = field60Codes(message);
  if (codes === undefined) return false;
  if (!definition.networkManagementCodes.includes(codes.networkManagementCode)) return false;
  if (definition.messageTypeCode !== undefined && definition.messageTypeCode !== codes.messageTypeCode)
    return false;
  if (definition.conditionCode !== undefined && message.fields['25'] !== definition.conditionCode)
    return false;
  if (definition.processingCode !== undefined) {
    const processingCode = message.fields['3'];
    if (processingCode === undefined || processingCode.slice(0, 2) !== definition.processingCode.slice(0, 2))
      return false;
  }
  return true;
}

/**
 * The transaction type of a request or answer; `reversal` for 0400/0410 (see `reversedType`);
 * `unknown` when no row of the table fits.
 */
export function classify(message: IsoMessage): TransactionType | 'reversal' | 'unknown' {
  if (message.mti === reversalMtis.request || message.mti === reversalMtis.response) return 'reversal';
  for (const definition of transactionTable) {
    if (message.mti !== definition.requestMti && message.mti !== definition.responseMti) continue;
    if (fieldsMatch(definition, message)) return definition.type;
  }
  return 'unknown';
}

/** For a reversal (0400/0410): the type of the operation it reverses, from its copied fields. */
export function reversedType(message: IsoMessage): TransactionType | 'unknown' {
  if (classify(message) !== 'reversal') return 'unknown';
  for (const definition of transactionTable) {
    if (definition.reversible && fieldsMatch(definition, message)) return definition.type;
  }
  return 'unknown';
}

/** Whether an MTI is an answer (third digit odd: 0210, 0410, 0810...). */
export function isResponseMti(mti: string): boolean {
  const function_ = mti.charCodeAt(2) - 0x30;
  return mti.length === 4 && function_ >= 0 && function_ <= 9 && function_ % 2 === 1;
}
