// The field 39 codes the ISO 8583 host answers with when it decides itself (CUP POS spec, response
// codes; docs/reference/cup-pos-iso8583.md), and which code each engine error becomes (the `iso` of
// its entry in error-catalogue.ts). Codes from the issuer (51, 05...) pass through unchanged in the
// payment's answer.
import { errorEntry } from '../error-catalogue.js';
import { isPosError } from '../pos-error.js';

export const answerCodes = {
  approved: '00',
  invalidMerchant: '03',
  invalidTransaction: '12',
  invalidCardNumber: '14',
  wrongState: '22',
  originalNotFound: '25',
  formatError: '30',
  notSupported: '40',
  notPermittedToTerminal: '58',
  overAmount: '61',
  amountDiffers: '64',
  overCountLimit: '65',
  batchMismatch: '77',
  duplicateTransmission: '94',
  systemFault: '96',
  terminalNotRegistered: '97',
  issuerTimeout: '98',
  macFailed: 'A0',
} as const;

export type AnswerCode = (typeof answerCodes)[keyof typeof answerCodes];

/** The header's processing requirement that tells the terminal to sign in again (CUP POS spec, header). */
export const signInAgain = 3;

/**
 * The answer code for an error the engine or the store raised: a named refusal for the payment
 * errors a terminal can cause, 96 (system fault) for everything else, which the host also logs.
 */
export function answerCodeOfError(error: unknown): { code: string; expected: boolean } {
  const code = isPosError(error) ? errorEntry(error.code).iso : undefined;
  return code === undefined ? { code: answerCodes.systemFault, expected: false } : { code, expected: true };
}
