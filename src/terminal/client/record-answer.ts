// Recording a trusted answer to a money request: approved (then printed) or declined, and what is
// sent again with the same STAN until answered, never reversed (isSentUntilAnswered): a refund and
// a void of a QR sale. The host answers a retransmission with its stored answer, and answers
// nothing while a QR sale's wallet has not settled the refund (docs/qr.md).
import { interpretResponseCode, parseScanAnswer } from '../../iso8583/index.js';
import { PosError } from '../../pos-error.js';
import type { ScanDetails, TransactionRecord } from '../journal.js';
import type { FinancialOutcome } from '../outcomes.js';
import { PrinterFault, receiptOf } from '../receipt.js';
import { refundRequest, voidRequest } from '../terminal-messages.js';
import { answerTrust, type ExchangeAnswer, type TerminalCore } from './terminal-core.js';

/** What the journal says of one without an answer yet: never "reversed", for it never is. */
export const unansweredNote =
  'no answer yet: sent again, same STAN, until the host answers; never reversed (what the host did stands)';

/**
 * Sends (or sends again, same STAN) a refund or a void of a QR sale of the journal and records
 * its answer; without one the record stays `sending` and goes again on the next call.
 */
export async function sendUntilAnswered(
  core: TerminalCore,
  record: TransactionRecord,
): Promise<FinancialOutcome> {
  const original = record.original;
  if (original === null)
    throw new PosError(
      'POS_ERR_TERMINAL_UNKNOWN_TRANSACTION',
      `a ${record.kind} record without its original`,
    );
  const common = {
    identity: core.identity,
    stan: Number(record.stan),
    batchNo: record.batchNo,
    original,
    operatorId: record.operatorId,
  };
  const request =
    record.kind === 'void' ? voidRequest(common) : refundRequest({ ...common, amount: record.amount });
  const answer = await core.exchange(request, true);
  if (answer.kind === 'answer' && answerTrust(answer).trusted) return finish(core, record, answer);
  if (record.message === unansweredNote) return { kind: 'unanswered', record };
  const noted = await core.putRecord({ ...record, message: unansweredNote, updatedAt: core.clock.now() });
  return { kind: 'unanswered', record: noted };
}

/** A scan-code sale's wallet and trade number from its answer's field 59; nothing for a card. */
function scanDetailsOf(
  record: TransactionRecord,
  field59: string | undefined,
  approved: boolean,
): { qr?: ScanDetails } {
  // A void or refund keeps its sale's details as they are (the answer names no new trade).
  if (record.qr === undefined || record.qr === null || record.kind !== 'sale') return {};
  const said = parseScanAnswer(field59);
  return {
    qr: {
      wallet: said?.wallet ?? record.qr.wallet,
      codeMasked: record.qr.codeMasked,
      tradeNo: approved ? (said?.tradeNo ?? null) : null,
    },
  };
}

/** Records a trusted answer to a request: approved (then printed) or declined. */
export async function finish(
  core: TerminalCore,
  record: TransactionRecord,
  answer: ExchangeAnswer,
): Promise<FinancialOutcome> {
  const { approved } = answerTrust(answer);
  const fields = answer.message.fields;
  const text = fields['63']?.slice(3).trim();
  const meaning = interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message;
  const finished = await core.putRecord({
    ...record,
    state: approved ? 'approved' : 'declined',
    responseCode: answer.code,
    message: text === undefined || text === '' ? meaning : text,
    rrn: fields['37'] ?? record.rrn,
    authCode: approved ? (fields['38'] ?? null) : null,
    updatedAt: core.clock.now(),
    ...scanDetailsOf(record, fields['59'], approved),
  });
  if (!approved) return { kind: 'declined', record: finished, signInRequired: answer.signInRequired };
  return print(core, finished, false);
}

export async function print(
  core: TerminalCore,
  record: TransactionRecord,
  reprint: boolean,
): Promise<FinancialOutcome & { kind: 'approved' }> {
  const receipt = receiptOf(record, {
    merchantId: core.identity.merchantId,
    terminalId: core.identity.terminalId,
    reprint,
  });
  try {
    await core.printer.print(receipt);
  } catch (error) {
    // A printer fault: the transaction stands, and the operator reprints it from the journal.
    core.telemetry.count(
      error instanceof PrinterFault && error.fault === 'paper-out' ? 'paperOut' : 'printerHeadErrors',
    );
    return { kind: 'approved', record, receipt, printed: false };
  }
  const printed = await core.putRecord({ ...record, printed: true });
  return { kind: 'approved', record: printed, receipt, printed: true };
}
