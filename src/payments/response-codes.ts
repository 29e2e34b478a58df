// Response codes (CUP POS field 39) and what they mean to a cashier. The engine and the simulated
// issuer speak these codes; the HTTP API shows them next to the status, and the ISO channel sends
// them as they are. Source: the CUP POS terminal message specification's response code list.

const messages: Readonly<Record<string, string>> = {
  '00': 'approved',
  '01': 'refer to the card issuer',
  '03': 'invalid merchant',
  '04': 'pick up card',
  '05': 'do not honour',
  '07': 'pick up card',
  '10': 'partial approval',
  '11': 'approved (VIP)',
  '12': 'invalid transaction',
  '13': 'invalid amount',
  '14': 'invalid card number',
  '15': 'no such issuer',
  '22': 'suspected malfunction: the related transaction is in the wrong state',
  '25': 'original transaction not found',
  '30': 'format error',
  '34': 'pick up card (suspected fraud)',
  '38': 'PIN tries exceeded',
  '40': 'function not supported',
  '41': 'pick up card (lost)',
  '43': 'pick up card (stolen)',
  '45': 'insert the chip',
  '51': 'insufficient funds',
  '54': 'expired card',
  '55': 'wrong PIN',
  '57': 'not permitted to the cardholder',
  '58': 'not permitted to the terminal',
  '59': 'card check failed',
  '61': 'over the amount limit',
  '64': 'amount differs from the original',
  '65': 'over the count limit',
  '68': 'the answer came too late',
  '75': 'PIN tries exceeded',
  '77': 'batch number mismatch: sign in again',
  '90': 'day-end cut-off in progress',
  '91': 'issuer unavailable',
  '92': 'network unavailable',
  '94': 'duplicate transmission',
  '96': 'system fault',
  '97': 'terminal not registered',
  '98': 'no answer from the issuer in time: the transaction is being reversed',
  '99': 'PIN format error: sign in again',
  A0: 'MAC check failed: sign in again',
  A2: 'approved (defect: A2)',
  A4: 'approved (defect: A4)',
  A5: 'approved (defect: A5)',
  A6: 'approved (defect: A6)',
};

/** Codes that mean the money moved (some with a defect the terminal should still treat as approved). */
const approvedCodes = new Set(['00', '10', '11', 'A2', 'A4', 'A5', 'A6']);

export function isApprovedCode(code: string): boolean {
  return approvedCodes.has(code);
}

export function describeResponseCode(code: string | null): string {
  if (code === null) return 'no answer yet';
  return messages[code] ?? `response code ${code}`;
}
