// Reprints: from the journal when it has the outcome; otherwise from the host's answer to a
// transaction query. A reprint never runs a transaction again.
import { recordKey, type TransactionRecord } from '../journal.js';
import type { ReprintOutcome } from '../outcomes.js';
import { receiptOf } from '../receipt.js';
import { echoRequest } from '../terminal-messages.js';
import { parseQueryAnswer, stateOfHostStatus } from '../host-transaction.js';
import { print } from './record-answer.js';
import { flush } from './reversals.js';
import { ensureSession } from './session.js';
import type { TerminalCore } from './terminal-core.js';

/**
 * Prints a transaction again (the latest, or the one with `stan`): from the journal when it has
 * the outcome; otherwise from the host's answer to a transaction query. Never runs anything again.
 */
export async function reprint(core: TerminalCore, input: { stan?: string } = {}): Promise<ReprintOutcome> {
  const owed = core.reversalsByKey.size > 0 || core.openOrders.size > 0;
  if (owed && (await ensureSession(core)) === undefined) await flush(core);
  const latest = core.records().at(-1);
  const record = input.stan === undefined ? latest : core.findRecord(input.stan);
  if (record !== undefined && record.state !== 'sending') {
    const printed = await print(core, record, true);
    return {
      kind: 'reprinted',
      source: 'journal',
      record: printed.record,
      receipt: printed.receipt,
      printed: printed.printed,
    };
  }
  if (record !== undefined && core.reversalsByKey.has(recordKey(record))) {
    return {
      kind: 'outcome-unknown',
      record,
      detail:
        'a reversal is owed for it and the host has not acknowledged it yet: once it does, nothing is charged. Do not run it again.',
    };
  }
  return reprintFromHost(core, record, input.stan);
}

export async function reprintFromHost(
  core: TerminalCore,
  record: TransactionRecord | undefined,
  stan: string | undefined,
): Promise<ReprintOutcome> {
  const session = await ensureSession(core);
  if (session !== undefined) return { kind: 'outcome-unknown', record: record ?? null, detail: session };
  const query =
    record !== undefined
      ? `${record.batchNo}${record.stan}`
      : stan === undefined
        ? ''
        : `${core.state.batchNo}${stan.padStart(6, '0')}`;
  const queryStan = await core.nextStan();
  const answer = await core.exchange(
    echoRequest({ identity: core.identity, stan: queryStan, batchNo: core.state.batchNo, query }),
    true,
  );
  if (answer.kind !== 'answer')
    return {
      kind: 'outcome-unknown',
      record: record ?? null,
      detail: `the host could not be asked: ${answer.detail}`,
    };
  if (answer.code !== '00' || answer.macOk !== true) {
    return { kind: 'not-found', detail: `the host has no such transaction (${answer.code})` };
  }
  const host = parseQueryAnswer(answer.message.fields['63'] ?? '');
  const state = stateOfHostStatus(host.status);
  if (state === 'sending') {
    return {
      kind: 'outcome-unknown',
      record: record ?? null,
      detail: 'the host is still waiting for the issuer: ask again shortly',
    };
  }
  const from: TransactionRecord = {
    batchNo: host.batchNo ?? record?.batchNo ?? core.state.batchNo,
    stan: host.stan ?? record?.stan ?? '000000',
    kind: host.kind === 'void' || host.kind === 'refund' ? host.kind : 'sale',
    state,
    amount: host.amount,
    cardMasked: host.cardMasked,
    entryMode: record?.entryMode ?? null,
    operatorId: record?.operatorId ?? null,
    original: record?.original ?? null,
    responseCode: host.responseCode,
    message: `from the host: ${host.status}`,
    rrn: host.rrn,
    authCode: host.authCode,
    uploaded: record?.uploaded ?? false,
    printed: false,
    createdAt: record?.createdAt ?? core.clock.now(),
    updatedAt: core.clock.now(),
  };
  // A journal record whose outcome was missing gets it now; a transaction the journal never had
  // is printed, not added: the batch totals stay what this terminal itself did.
  const known = record === undefined ? from : await core.putRecord(from);
  const receipt = receiptOf(known, {
    merchantId: core.identity.merchantId,
    terminalId: core.identity.terminalId,
    reprint: true,
  });
  try {
    await core.printer.print(receipt);
  } catch {
    return { kind: 'reprinted', source: 'host', record: known, receipt, printed: false };
  }
  return { kind: 'reprinted', source: 'host', record: known, receipt, printed: true };
}
