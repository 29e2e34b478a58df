import { describe, expect, it } from 'vitest';
import { PosError } from '../pos-error.js';
import { decodeFrame, encodeFrame } from './codec.js';
import { interpretResponseCode, isApproval, responseCodeTable } from '../payments/response-codes.js';
import { loadVectors } from './test-support/vectors.js';
import { buildRequest, buildResponse, buildReversal, echoedFields } from './transaction-builders.js';
import { classify, isResponseMti, reversedType, transactionTable } from './transactions.js';

const vectors = loadVectors();
const decoded = (file: string) => {
  const vector = vectors.find((v) => v.file === file);
  if (vector?.decode === undefined) throw new Error(`no decode for ${file}`);
  return vector.decode;
};

function caught(run: () => unknown): PosError {
  try {
    run();
  } catch (error) {
    if (error instanceof PosError) return error;
    throw error;
  }
  throw new Error('expected a PosError, nothing was thrown');
}

const saleOptions = {
  type: 'sale',
  tpdu: '6000030000',
  header: '603100311003',
  stan: 1082,
  batchNumber: 15,
  terminalId: '00000026',
  merchantId: '852331059980072',
  amountMinor: 1280,
  fields: { '22': '051', '35': '6226097806938388=4912', '64': '0000000000000000' },
} as const;

describe('classify', () => {
  it('recognises the published vectors', () => {
    expect(classify(decoded('sale_0200_request_j-iso8583_test.hex'))).toBe('sale');
    expect(classify(decoded('sale_0210_response_wearapay.hex'))).toBe('sale');
    expect(classify(decoded('signin_0800_donjin_http.hex'))).toBe('sign-in');
    expect(classify(decoded('signin_0800_jspos_readme_body_only.hex'))).toBe('sign-in');
    // The acquirer variant signs in with 60.3 = 005, which the CUP table does not define.
    expect(classify(decoded('vfwz_signin_request_nolen.hex'))).toBe('unknown');
  });

  it('recognises the published reversal as the reversal of a sale, once its MAC is there', () => {
    const vector = vectors.find((v) => v.file.startsWith('reversal'));
    const body = Buffer.concat([vector?.bytes ?? Buffer.alloc(0), Buffer.alloc(8)]);
    const reversal = decodeFrame(body, { framing: 'body' });
    expect(classify(reversal)).toBe('reversal');
    expect(reversedType(reversal)).toBe('sale');
    expect(reversal.fields['39']).toBe('06');
  });

  it('tells each transaction type apart by MTI, F3, F25, 60.1 and 60.3', () => {
    for (const definition of transactionTable) {
      const request = buildRequest({
        ...saleOptions,
        type: definition.type,
        ...(definition.messageTypeCode === undefined ? { messageTypeCode: '22' } : {}),
      });
      expect(classify(request)).toBe(definition.type);
      expect(classify(buildResponse({ request, responseCode: '00' }))).toBe(definition.type);
    }
  });

  it('compares F3 on its transaction type digits, and says unknown when nothing fits', () => {
    const sale = buildRequest(saleOptions);
    expect(classify({ ...sale, fields: { ...sale.fields, '3': '003000' } })).toBe('sale');
    // F25 06 with 60.1 still 22 is neither a sale nor a completion (60.1 20).
    expect(classify({ ...sale, fields: { ...sale.fields, '25': '06' } })).toBe('unknown');
    expect(classify({ ...sale, fields: { ...sale.fields, '25': '06', '60': '20000015000' } })).toBe(
      'pre-auth-completion',
    );
    expect(classify({ ...sale, fields: { ...sale.fields, '60': '99000015000' } })).toBe('unknown');
    expect(classify({ ...sale, fields: { '3': '000000' } })).toBe('unknown');
    expect(classify({ ...sale, mti: '0600' })).toBe('unknown');
    expect(reversedType(sale)).toBe('unknown');
  });

  it('knows answers by the third MTI digit', () => {
    expect(['0200', '0210', '0410', '0820', '0830', 'x'].map(isResponseMti)).toEqual([
      false,
      true,
      true,
      false,
      true,
      false,
    ]);
  });
});

describe('response codes', () => {
  it('approves 00, partly approves 10 and treats the defect codes as approved', () => {
    expect(interpretResponseCode({ code: '00', mti: '0210' })).toMatchObject({
      outcome: 'approved',
      known: true,
    });
    expect(interpretResponseCode({ code: '10', mti: '0210' }).outcome).toBe('partially-approved');
    for (const code of ['11', 'A2', 'A4', 'A5', 'A6']) {
      expect(interpretResponseCode({ code, mti: '0210' }).outcome).toBe('approved-with-defect');
    }
    expect(
      ['approved', 'partially-approved', 'approved-with-defect', 'declined'].map((o) =>
        isApproval(o as 'declined'),
      ),
    ).toEqual([true, true, true, false]);
  });

  it('treats 94 on an offline or batch upload as already accepted, and as a decline elsewhere', () => {
    for (const mti of ['0220', '0230', '0320', '0330']) {
      expect(interpretResponseCode({ code: '94', mti }).outcome).toBe('already-accepted');
    }
    expect(interpretResponseCode({ code: '94', mti: '0210' })).toMatchObject({
      outcome: 'declined',
      message: 'duplicate transmission',
    });
  });

  it('asks for a new sign-in on 77, 99 and A0, and a card pick-up on 04', () => {
    expect(['77', '99', 'A0'].map((code) => interpretResponseCode({ code, mti: '0210' }).action)).toEqual([
      'sign-in-again',
      'sign-in-again',
      'sign-in-again',
    ]);
    expect(interpretResponseCode({ code: '04', mti: '0210' }).action).toBe('pick-up-card');
  });

  it('declines a code nobody defined', () => {
    expect(interpretResponseCode({ code: 'Z9', mti: '0210' })).toEqual({
      code: 'Z9',
      outcome: 'declined',
      message: 'unknown response code "Z9"',
      action: 'none',
      known: false,
    });
  });

  it('lists every code of the protocol notes once', () => {
    const codes = responseCodeTable.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toHaveLength(46);
  });
});

describe('building messages', () => {
  it('builds a sale request from named values', () => {
    expect(buildRequest(saleOptions)).toEqual({
      length: null,
      tpdu: '6000030000',
      header: '603100311003',
      mti: '0200',
      fields: {
        '3': '000000',
        '4': '000000001280',
        '11': '001082',
        '22': '051',
        '25': '00',
        '35': '6226097806938388=4912',
        '41': '00000026',
        '42': '852331059980072',
        '49': '156',
        '60': '22000015000',
        '64': '0000000000000000',
      },
    });
  });

  it('builds a sign-in for the key mode asked, and refuses a mode the type does not have', () => {
    const { amountMinor: _amount, ...withoutAmount } = saleOptions;
    const signIn = buildRequest({
      ...withoutAmount,
      type: 'sign-in',
      fields: { '63': '01 ' },
      networkManagementCode: '004',
    });
    expect(Object.keys(signIn.fields)).toEqual(['11', '41', '42', '60', '63']);
    expect(signIn.mti).toBe('0800');
    expect(signIn.fields['60']).toBe('00000015004');
    const error = caught(() =>
      buildRequest({ ...saleOptions, type: 'sign-in', networkManagementCode: '201' }),
    );
    expect(error.message).toContain('networkManagementCode: expected 003 | 001 | 004, got "201"');
  });

  it('refuses fields given twice, bad numbers and a missing 60.1 for batch uploads, all at once', () => {
    const error = caught(() =>
      buildRequest({ ...saleOptions, type: 'batch-upload', stan: 1_000_000, fields: { '11': '000001' } }),
    );
    expect(error.code).toBe('POS_ERR_ISO_BAD_VALUE');
    expect(error.problems.map((p) => p.field)).toEqual(['messageTypeCode', 'stan', 'field 11']);
  });

  it('answers a request: MTI + 10, TPDU and header echoed, echoed fields copied, 39 set', () => {
    const request = buildRequest(saleOptions);
    const response = buildResponse({
      request,
      responseCode: '00',
      fields: { '37': '290983153438', '38': '123456' },
    });
    expect(response.mti).toBe('0210');
    expect(response.tpdu).toBe(request.tpdu);
    expect(response.header).toBe(request.header);
    for (const key of echoedFields) expect(response.fields[key]).toBe(request.fields[key]);
    expect(response.fields['35']).toBeUndefined();
    expect(response.fields['39']).toBe('00');
    expect(
      decodeFrame(encodeFrame({ ...response, fields: { ...response.fields, '64': '0000000000000000' } }))
        .fields['37'],
    ).toBe('290983153438');
  });

  it('sets the processing requirement in the answer header', () => {
    const request = buildRequest(saleOptions);
    // 60 31 | 00 -> 03 (terminal state 0, processing requirement 3: sign in again) | 31 10 03
    expect(buildResponse({ request, responseCode: '77', processingRequirement: 3 }).header).toBe(
      '603103311003',
    );
    expect(() => buildResponse({ request, responseCode: '77', processingRequirement: 9 })).toThrow(
      'processingRequirement: expected a whole number from 0 to 6, got 9',
    );
    expect(() => buildResponse({ request: { ...request, mti: '0210' }, responseCode: '00' })).toThrow(
      'request.mti',
    );
  });

  it('reverses a sale: 0400, reason in 39, card data, PIN and RRN removed, auth code kept', () => {
    const original = buildRequest({
      ...saleOptions,
      fields: {
        ...saleOptions.fields,
        '26': '06',
        '36': '99',
        '37': '290983153438',
        '52': '60D894D6F4978EF5',
        '53': '2610000000000000',
      },
    });
    const reversal = buildReversal({ original, reason: 'no-answer', authorisationCode: '123456' });
    expect(reversal.mti).toBe('0400');
    expect(Object.keys(reversal.fields)).toEqual([
      '3',
      '4',
      '11',
      '22',
      '25',
      '38',
      '39',
      '41',
      '42',
      '49',
      '60',
      '64',
    ]);
    expect(reversal.fields['39']).toBe('98');
    expect(reversal.fields['38']).toBe('123456');
    expect(reversedType(reversal)).toBe('sale');
    expect(buildReversal({ original, reason: 'mac-failed' }).fields['39']).toBe('A0');
  });

  it('keeps field 61 when reversing a void, and refuses to reverse a refund or an answer', () => {
    const voidRequest = buildRequest({
      ...saleOptions,
      type: 'void',
      fields: { ...saleOptions.fields, '61': '000015001082' },
    });
    expect(buildReversal({ original: voidRequest, reason: 'other' }).fields['61']).toBe('000015001082');
    const refund = buildRequest({ ...saleOptions, type: 'refund' });
    expect(() => buildReversal({ original: refund, reason: 'other' })).toThrow(
      'original: expected a reversible request (sale, void, pre-auth family), got a refund 0220',
    );
    const answer = buildResponse({ request: buildRequest(saleOptions), responseCode: '00' });
    expect(() => buildReversal({ original: answer, reason: 'other' })).toThrow('got a sale 0210');
  });
});
