// Recording a trusted answer to a money request: approved (then printed) or declined, and the
// refund, sent again with the same STAN until answered (a refund is not reversible: the host
// answers a retransmission with its stored answer).
import { interpretResponseCode } from '../../iso8583/index.js';
import { PosError } from '../../pos-error.js';
import type { TransactionRecord } from '../journal.js';
import type { FinancialOutcome } from '../outcomes.js';
import { PrinterFault, receiptOf } from '../receipt.js';
import { refundRequest } from '../terminal-messages.js';
import { answerTrust, type ExchangeAnswer, type TerminalCore } from './terminal-core.js';

/** Sends (or sends again, same STAN) the refund of a journal record and records its answer. */
export async function sendRefund(core: TerminalCore, record: TransactionRecord): Promise<FinancialOutcome> {
  const original = record.original;
  if (original === null)
    throw new PosError('POS_ERR_TERMINAL_UNKNOWN_TRANSACTION', 'a refund record without its original');
  const request = refundRequest({
    identity: core.identity,
    stan: Number(record.stan),
    batchNo: record.batchNo,
    original,
    amount: record.amount,
    operatorId: record.operatorId,
  });
  const answer = await core.exchange(request, true);
  if (answer.kind === 'not-sent') {
    return { kind: 'unanswered', record };
  }
  if (answer.kind !== 'answer' || !answerTrust(answer).trusted) return { kind: 'unanswered', record };
  return finish(core, record, answer);
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
