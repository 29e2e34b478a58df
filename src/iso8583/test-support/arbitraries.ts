// fast-check arbitraries for valid CUP POS messages of every transaction type, built from the
// transaction table and the named-value builders: a request of the type with the card, amount
// and reference fields that type carries, or the host's answer to it.
import fc from 'fast-check';
import type { IsoMessage } from '../iso-message.js';
import { buildBatchUploadCount, buildSettlementTotals, type SettlementBlock } from '../field-48.js';
import { buildField61 } from '../field-61.js';
import { responseCodeTable } from '../../payments/response-codes.js';
import { buildRequest, buildResponse } from '../transaction-builders.js';
import { transactionTable, type TransactionDefinition, type TransactionType } from '../transactions.js';

const chars = (alphabet: string) => fc.constantFrom(...alphabet);
export const digits = (minLength: number, maxLength = minLength): fc.Arbitrary<string> =>
  fc.string({ unit: chars('0123456789'), minLength, maxLength });
export const printable = (minLength: number, maxLength = minLength): fc.Arbitrary<string> =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    minLength,
    maxLength,
  });
export const hexBytes = (minLength: number, maxLength = minLength): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength, maxLength }).map((b) => Buffer.from(b).toString('hex').toUpperCase());
const track = (maxLength: number) =>
  fc
    .tuple(digits(12, 19), digits(0, maxLength - 20))
    .map(([pan, rest]) => `${pan}=${rest}`.slice(0, maxLength));
const monthDay = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([m, d]) => `${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`);

/** Builds `{ key: value }` pairs, leaving out the optional ones fast-check chose to drop. */
function someFields(
  required: Record<string, fc.Arbitrary<string>>,
  optional: Record<string, fc.Arbitrary<string>> = {},
): fc.Arbitrary<Record<string, string>> {
  return fc.record({ ...required, ...optional }, { requiredKeys: Object.keys(required) });
}

const settlementBlock: fc.Arbitrary<SettlementBlock> = fc.record({
  debitTotalMinor: fc.integer({ min: 0, max: 999_999_999_999 }),
  debitCount: fc.integer({ min: 0, max: 999 }),
  creditTotalMinor: fc.integer({ min: 0, max: 999_999_999_999 }),
  creditCount: fc.integer({ min: 0, max: 999 }),
  check: fc.constantFrom('not-checked', 'balanced', 'unbalanced', 'error'),
});

function cardFields(withTrack3: boolean): fc.Arbitrary<Record<string, string>> {
  return someFields(
    { '22': digits(3), '64': hexBytes(8) },
    {
      '2': digits(12, 19),
      '14': digits(4),
      '23': digits(3),
      '26': digits(2),
      '35': track(37),
      ...(withTrack3 ? { '36': track(104) } : {}),
      '52': hexBytes(8),
      '53': digits(16),
      '55': hexBytes(1, 255),
    },
  );
}

/** The fields a request of this type carries beyond those the builder sets. */
function extraFields(type: TransactionType, withTrack3: boolean): fc.Arbitrary<Record<string, string>> {
  const field61 = (withDate: boolean) =>
    fc
      .record({
        originalBatchNumber: fc.integer({ min: 0, max: 999_999 }),
        originalStan: fc.integer({ min: 0, max: 999_999 }),
        date: monthDay,
      })
      .map(({ date, ...rest }) => buildField61(withDate ? { ...rest, originalDate: date } : rest));
  switch (type) {
    case 'sign-in':
      return someFields({ '63': printable(3) });
    case 'sign-off':
    case 'echo':
      return someFields({});
    case 'status-upload':
      return someFields({ '62': hexBytes(1, 255), '64': hexBytes(8) });
    case 'settlement':
      return someFields({
        '48': fc.record({ cny: settlementBlock, foreign: settlementBlock }).map(buildSettlementTotals),
        '63': printable(3),
      });
    case 'batch-upload':
      return someFields({ '2': digits(12, 19), '4': digits(12), '64': hexBytes(8) });
    case 'batch-upload-end':
      return someFields({
        '48': fc.integer({ min: 0, max: 9999 }).map(buildBatchUploadCount),
        '64': hexBytes(8),
      });
    case 'void':
    case 'pre-auth-completion-void':
      return fc
        .tuple(
          cardFields(withTrack3),
          someFields({ '37': printable(12), '38': printable(6), '61': field61(false) }),
        )
        .map(([a, b]) => ({ ...a, ...b }));
    case 'refund':
      return fc
        .tuple(cardFields(withTrack3), someFields({ '37': printable(12), '61': field61(true) }))
        .map(([a, b]) => ({ ...a, ...b }));
    case 'pre-auth-completion':
      return fc
        .tuple(cardFields(withTrack3), someFields({ '38': printable(6), '61': field61(true) }))
        .map(([a, b]) => ({ ...a, ...b }));
    case 'balance':
    case 'sale':
    case 'pre-auth':
    case 'pre-auth-void':
      return cardFields(withTrack3);
  }
}

function request(definition: TransactionDefinition, withTrack3: boolean): fc.Arbitrary<IsoMessage> {
  const financial = definition.processingCode !== undefined && definition.type !== 'balance';
  return fc
    .record({
      tpdu: fc.tuple(hexBytes(2), hexBytes(2)).map(([to, from]) => `60${to}${from}`),
      header: hexBytes(6),
      stan: fc.integer({ min: 0, max: 999_999 }),
      batchNumber: fc.integer({ min: 0, max: 999_999 }),
      terminalId: printable(8),
      merchantId: printable(15),
      amountMinor: fc.integer({ min: 0, max: 999_999_999_999 }),
      networkManagementCode: fc.constantFrom(...definition.networkManagementCodes),
      messageTypeCode: fc.constantFrom('22', '23', '20'),
      reader: digits(1),
      fields: extraFields(definition.type, withTrack3),
    })
    .map((values) =>
      buildRequest({
        type: definition.type,
        tpdu: values.tpdu,
        header: values.header,
        stan: values.stan,
        batchNumber: values.batchNumber,
        terminalId: values.terminalId,
        merchantId: values.merchantId,
        networkManagementCode: values.networkManagementCode,
        ...(financial
          ? { amountMinor: values.amountMinor, field60Trailing: { readerCapability: values.reader } }
          : {}),
        ...(definition.messageTypeCode === undefined ? { messageTypeCode: values.messageTypeCode } : {}),
        fields: values.fields,
      }),
    );
}

function response(definition: TransactionDefinition, withTrack3: boolean): fc.Arbitrary<IsoMessage> {
  const keysBytes = fc.constantFrom(24, 40, 60).chain((size) => hexBytes(size));
  return fc
    .record({
      request: request(definition, withTrack3),
      responseCode: fc.constantFrom(...responseCodeTable.map((d) => d.code)),
      fields: someFields(
        { '12': digits(6), '13': digits(4) },
        {
          '32': digits(1, 11),
          '37': printable(12),
          '44': printable(0, 25),
          '63': printable(0, 40),
          ...(definition.type === 'sign-in' ? { '62': keysBytes } : {}),
        },
      ),
    })
    .map(({ request: original, responseCode, fields }) =>
      buildResponse({ request: original, responseCode, fields }),
    );
}

export interface TypedMessage {
  readonly type: TransactionType;
  readonly message: IsoMessage;
}

/** A request or answer of any transaction type; `withTrack3` only where the dialect carries z in field 36. */
export function anyTransactionMessage(options: { withTrack3: boolean }): fc.Arbitrary<TypedMessage> {
  return fc.oneof(
    ...transactionTable.map((definition) =>
      fc
        .oneof(request(definition, options.withTrack3), response(definition, options.withTrack3))
        .map((message) => ({ type: definition.type, message })),
    ),
  );
}
