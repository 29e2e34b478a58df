// Reads the named values of a decoded terminal request (STAN, batch, amount, currency, original
// transaction, operator) and collects every problem at once, each naming the field, what was
// expected and what came. The handlers work with these values, never with raw field text.
import { currencyFromNumeric, type Currency } from '../money/money.js';
import {
  duplicateConfirmationMarker,
  parseBatchUploadCount,
  parseField60,
  parseField61,
  parseSettlementTotals,
  type Field60,
  type Field61,
  type IsoMessage,
  type SettlementTotals,
} from '../iso8583/index.js';
import { describeValue, isPosError, type FieldProblem } from '../pos-error.js';

export class RequestFields {
  readonly problems: FieldProblem[] = [];
  readonly #message: IsoMessage;

  constructor(message: IsoMessage) {
    this.#message = message;
  }

  #required(field: string, what: string): string | undefined {
    const value = this.#message.fields[field];
    if (value === undefined)
      this.problems.push({ field: `field ${field}`, expected: what, actual: 'nothing' });
    return value;
  }

  /** F11, six digits as sent. */
  stan(): string {
    return this.#required('11', 'the STAN') ?? '';
  }

  /** A required field read by `parse`; undefined (with the problems) when absent or malformed. */
  #parsed<T>(field: string, what: string, parse: (text: string) => T): T | undefined {
    const text = this.#required(field, what);
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch (error) {
      if (!isPosError(error)) throw error;
      this.problems.push(...error.problems);
      return undefined;
    }
  }

  /** Field 60 as named values; undefined (with a problem) when absent or malformed. */
  field60(): Field60 | undefined {
    return this.#parsed('60', 'field 60 (message type, batch, network code)', parseField60);
  }

  /** F4 in minor units. */
  amount(): number {
    const text = this.#required('4', 'the amount in fen');
    const amount = text === undefined ? 0 : Number(text);
    if (text !== undefined && amount < 1) {
      this.problems.push({
        field: 'field 4',
        expected: 'an amount of at least 1 fen',
        actual: describeValue(text),
      });
    }
    return amount;
  }

  /** F49; CNY when absent. */
  currency(): Currency {
    const numeric = this.#message.fields['49'];
    if (numeric === undefined) return 'CNY';
    const currency = currencyFromNumeric(numeric);
    if (currency === undefined) {
      this.problems.push({
        field: 'field 49',
        expected: 'an ISO 4217 numeric currency code such as 156',
        actual: describeValue(numeric),
      });
    }
    return currency ?? 'CNY';
  }

  /** F37: the original's RRN in a void or refund. */
  originalRrn(): string {
    const rrn = this.#required('37', "the original's RRN")?.trim() ?? '';
    if (this.#message.fields['37'] !== undefined && !/^\d{12}$/.test(rrn)) {
      this.problems.push({ field: 'field 37', expected: '12 digits', actual: describeValue(rrn) });
    }
    return rrn;
  }

  /** F61: the original's batch and STAN. */
  original(): Field61 | undefined {
    return this.#parsed('61', "the original's batch and STAN", parseField61);
  }

  /** F48 of a settlement (0500): the terminal's batch totals. */
  settlementTotals(): SettlementTotals | undefined {
    return this.#parsed('48', 'the settlement totals (62 digits)', parseSettlementTotals);
  }

  /** F48 of the closing batch upload (0320, 60.3 = 202/207): how many records were uploaded. */
  uploadCount(): number | undefined {
    return this.#parsed('48', 'the number of records uploaded (4 digits)', parseBatchUploadCount);
  }

  /**
   * F63 of a sale: the operator code (up to 3 characters, space padded, as in the sign-in) and,
   * right after it, the duplicate confirmation marker when the operator confirmed a second purchase.
   */
  operator(): { operatorId: string | null; confirmDuplicate: boolean } {
    const text = this.#message.fields['63'];
    if (text === undefined) return { operatorId: null, confirmDuplicate: false };
    const operatorId = text.slice(0, 3).trim();
    const rest = text.slice(3).trim();
    if (rest !== '' && rest !== duplicateConfirmationMarker) {
      this.problems.push({
        field: 'field 63',
        expected: `an operator code, optionally followed by ${duplicateConfirmationMarker}`,
        actual: `${describeValue(rest)} after the operator code`,
      });
    }
    return {
      operatorId: operatorId === '' ? null : operatorId,
      confirmDuplicate: rest === duplicateConfirmationMarker,
    };
  }
}
