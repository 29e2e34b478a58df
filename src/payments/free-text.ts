// The engine's check of the free text a request carries (a reference, an operator id, idempotency
// keys): each is stored, logged and answered back, so each must be plain text and must not hold a
// card number. Both doors pass through here, so an ISO 8583 terminal and an HTTP client are held
// to the same rule; the HTTP schemas apply the same check first only to name fields as the API does.
import { freeTextProblem } from '../cards/card-in-text.js';
import { PosError, type FieldProblem } from '../pos-error.js';

const expected = 'plain text without control characters and without a card number or payment code';

/** Throws POS_ERR_PAYMENT_INVALID_TEXT naming every field whose text may not be stored. */
export function requireFreeText(fields: Readonly<Record<string, string | null>>): void {
  const problems: FieldProblem[] = [];
  for (const [field, text] of Object.entries(fields)) {
    const actual = text === null ? undefined : freeTextProblem(text);
    if (actual !== undefined) problems.push({ field, expected, actual });
  }
  if (problems.length > 0) {
    throw PosError.invalidInput('POS_ERR_PAYMENT_INVALID_TEXT', 'request text', problems);
  }
}
