// Field 39 response codes of CUP POS answers, as data (docs/reference/cup-pos-iso8583.md,
// "Response codes"), and what each means for the one who reads it: approved, approved for part
// of the amount, approved with a defect (treated as approved), declined, or, for 94 on an offline
// or batch upload, "already accepted": the host holds that upload, so the terminal marks it sent.
export type ResponseOutcome =
  | 'approved'
  /** Approved for the amount in the answer's field 4, which may be less than asked (code 10). */
  | 'partially-approved'
  | 'approved-with-defect'
  | 'declined'
  /** 94 (or 00) on a 0220/0320 upload: already accepted, mark as sent. */
  | 'already-accepted';

/** What the terminal should do beyond showing the message. */
export type ResponseAction = 'none' | 'sign-in-again' | 'pick-up-card' | 'insert-chip';

export interface ResponseCodeDefinition {
  readonly code: string;
  readonly outcome: Exclude<ResponseOutcome, 'already-accepted'>;
  readonly message: string;
  readonly action: ResponseAction;
}

function entries(
  codes: readonly string[],
  outcome: ResponseCodeDefinition['outcome'],
  message: string,
  action: ResponseAction = 'none',
): ResponseCodeDefinition[] {
  return codes.map((code) => ({ code, outcome, message, action }));
}

export const responseCodeTable: readonly ResponseCodeDefinition[] = [
  ...entries(['00'], 'approved', 'approved'),
  ...entries(['10'], 'partially-approved', 'partial approval: the approved amount is in field 4'),
  ...entries(
    ['11', 'A2', 'A4', 'A5', 'A6'],
    'approved-with-defect',
    'approved with a defect; treat as approved',
  ),
  ...entries(['01'], 'declined', 'refer to the card issuer'),
  ...entries(['03'], 'declined', 'invalid merchant'),
  ...entries(['04', '07', '34', '41', '43'], 'declined', 'pick up the card', 'pick-up-card'),
  ...entries(['05'], 'declined', 'do not honour'),
  ...entries(['12'], 'declined', 'invalid transaction'),
  ...entries(['13'], 'declined', 'invalid amount'),
  ...entries(['14'], 'declined', 'invalid card number'),
  ...entries(['15'], 'declined', 'no such issuer'),
  ...entries(['22'], 'declined', 'suspected malfunction, or the related transaction is in the wrong state'),
  ...entries(['25'], 'declined', 'original transaction not found'),
  ...entries(['30'], 'declined', 'format error'),
  ...entries(['38', '75'], 'declined', 'PIN tries exceeded'),
  ...entries(['40'], 'declined', 'function not supported'),
  ...entries(['45'], 'declined', 'insert the chip', 'insert-chip'),
  ...entries(['51'], 'declined', 'insufficient funds'),
  ...entries(['54'], 'declined', 'expired card'),
  ...entries(['55'], 'declined', 'wrong PIN'),
  ...entries(['57'], 'declined', 'transaction not permitted to the cardholder'),
  ...entries(['58'], 'declined', 'transaction not permitted to the terminal'),
  ...entries(['59'], 'declined', 'card check failed'),
  ...entries(['61'], 'declined', 'over the amount limit'),
  ...entries(['64'], 'declined', 'amount differs from the original'),
  ...entries(['65'], 'declined', 'over the count limit'),
  ...entries(['68'], 'declined', 'the answer came too late'),
  ...entries(['77'], 'declined', 'batch number mismatch; sign in again', 'sign-in-again'),
  ...entries(['90'], 'declined', 'day-end cut-off in progress'),
  ...entries(['91'], 'declined', 'issuer unavailable'),
  ...entries(['92'], 'declined', 'network unavailable'),
  ...entries(['94'], 'declined', 'duplicate transmission'),
  ...entries(['96'], 'declined', 'system fault'),
  ...entries(['97'], 'declined', 'terminal not registered'),
  ...entries(['98'], 'declined', 'no answer from the issuer in time'),
  ...entries(['99'], 'declined', 'PIN format error; sign in again', 'sign-in-again'),
  ...entries(['A0'], 'declined', 'MAC check failed; sign in again', 'sign-in-again'),
];

const byCode: ReadonlyMap<string, ResponseCodeDefinition> = new Map(
  responseCodeTable.map((d) => [d.code, d]),
);

/** Uploads a host may already hold: offline advice (0220) and batch upload (0320), and their answers. */
const uploadMtis = new Set(['0220', '0230', '0320', '0330']);

export interface ResponseInterpretation {
  readonly code: string;
  readonly outcome: ResponseOutcome;
  readonly message: string;
  readonly action: ResponseAction;
  /** False for a code not in the table; it is then treated as declined. */
  readonly known: boolean;
}

/**
 * What a response code means for a message of type `mti` (request or answer). A code not in the
 * table is declined: money never moves on a code nobody has defined.
 */
export function interpretResponseCode(options: { code: string; mti: string }): ResponseInterpretation {
  const { code, mti } = options;
  const definition = byCode.get(code);
  if (uploadMtis.has(mti) && (code === '00' || code === '94')) {
    return {
      code,
      outcome: 'already-accepted',
      message: 'upload accepted; mark it as sent',
      action: 'none',
      known: true,
    };
  }
  if (definition === undefined) {
    return {
      code,
      outcome: 'declined',
      message: `unknown response code ${JSON.stringify(code)}`,
      action: 'none',
      known: false,
    };
  }
  return {
    code,
    outcome: definition.outcome,
    message: definition.message,
    action: definition.action,
    known: true,
  };
}

/** Approved in any form: the money moved (for partial approvals, the amount in field 4). */
export function isApproval(outcome: ResponseOutcome): boolean {
  return outcome === 'approved' || outcome === 'partially-approved' || outcome === 'approved-with-defect';
}
