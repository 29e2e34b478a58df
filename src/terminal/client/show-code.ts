// Showing a code (a QR order, merchant-presented; issue 20 points 4 and 6): the terminal asks the
// host for an order (a 0200 with field 59 ST 02; docs/iso8583.md, "Codes the terminal shows"),
// shows the code the wallet made for it, and follows the order until the customer has paid or it
// ends unpaid, following the safe protocol as a sale does, plus what a shown code asks for:
//  - journaled before it is sent (the record stays `sending` until the outcome is known);
//  - never a second order while one is open or unresolved: every money operation first settles an
//    open order (asked about, closed if still open; show-code-query.ts), and if the customer had
//    paid it, no new code is made (`earlier-paid`);
//  - the order is followed by transaction queries, the first after 1 s and then 1.5 times longer
//    each, at most 5 s apart (the host asks the wallet at most every 5 s anyway), until it is paid
//    or ends, and a bounded number of times;
//  - the cashier's cancel (the signal) closes it; so does the terminal itself once its expiry and
//    a grace are past without the host saying it ended; a close may find it paid (approved);
//  - a lost answer to the 0200 is settled by asking the host before anything else: the order it
//    has is followed; none means the 0200 never arrived, and it goes again with the same STAN
//    (the host answers a retransmission with the same order).
import {
  interpretResponseCode,
  parseShownCodeAnswer,
  sixDigits,
  type IsoMessage,
} from '../../iso8583/index.js';
import { recordKey, sendingRecord, type TransactionRecord } from '../journal.js';
import type { ShowCodeOutcome, ShowCodeProgress } from '../outcomes.js';
import { showCodeRequest } from '../terminal-messages.js';
import { readyForMoney } from './reversals.js';
import { askOrder, closeOrder, neverMade, settleOrder, type OrderAsked } from './show-code-query.js';
import { answerTrust, type ExchangeAnswer, type TerminalCore } from './terminal-core.js';

export interface ShowCodeInput {
  /** Fen. */
  readonly amount: number;
  /** alipay, wechat or unionpay; the host's choice when absent. */
  readonly wallet?: string | null;
  readonly operatorId?: string | null;
  /** The operator confirms a genuine second purchase by the same customer (suspected duplicate). */
  readonly confirmDuplicate?: boolean;
  /** Aborted when the cashier takes the code away: the order is closed. */
  readonly signal?: AbortSignal;
  /** Told the code to show once the host has it, and each look at the order after. */
  readonly onProgress?: (progress: ShowCodeProgress) => void;
}

const firstPollMs = 1_000;
const maxPollMs = 5_000;
const pollGrowth = 1.5;
/** How long past its expiry the terminal waits for the host to say the order ended, then closes it. */
const expiryGraceMs = 15_000;
/** A shown code's lifetime when the host did not say its expiry (the engine's default). */
const defaultLifetimeMs = 120_000;
/** The most looks at one order: two minutes at 5 s apart is 24; this is a backstop. */
const maxPolls = 240;

type Said = Extract<OrderAsked, { kind: 'known' }>;

/** What the 0200 (or the questions after a lost answer) came to. */
type Made =
  | { readonly kind: 'order'; readonly record: TransactionRecord; readonly said: Said }
  | { readonly kind: 'done'; readonly outcome: ShowCodeOutcome }
  | { readonly kind: 'unknown'; readonly detail: string };

export async function showCode(core: TerminalCore, input: ShowCodeInput): Promise<ShowCodeOutcome> {
  const open = [...core.openOrders];
  const blocked = await readyForMoney(core);
  // The customer had paid the code shown before: that sale is done; asking again would charge twice.
  const earlier = open.map((key) => core.recordsByKey.get(key)).find((r) => r?.state === 'approved');
  if (earlier !== undefined) return { kind: 'earlier-paid', record: earlier };
  if (blocked !== undefined) return blocked;
  const stan = await core.nextStan();
  const batchNo = core.state.batchNo;
  const operatorId = input.operatorId ?? null;
  const request = showCodeRequest({
    identity: core.identity,
    stan,
    batchNo,
    amount: input.amount,
    wallet: input.wallet ?? null,
    operatorId,
    confirmDuplicate: input.confirmDuplicate ?? false,
  });
  const now = core.clock.now();
  const record = await core.putRecord(
    sendingRecord(
      {
        batchNo,
        stan: sixDigits(stan),
        kind: 'sale',
        amount: input.amount,
        cardMasked: null,
        entryMode: null,
        operatorId,
        original: null,
        qr: {
          wallet: input.wallet ?? null,
          codeMasked: '',
          tradeNo: null,
          flow: 'shown',
          orderNo: null,
          expiresAt: null,
        },
      },
      now,
    ),
  );
  const answer = await core.exchange(request, true);
  if (answer.kind === 'not-sent') {
    const notSent = await core.putRecord({
      ...record,
      state: 'not-sent',
      message: answer.detail,
      updatedAt: core.clock.now(),
    });
    return { kind: 'not-sent', record: notSent, detail: answer.detail };
  }
  let made: Made =
    answer.kind === 'answer' && answerTrust(answer).trusted
      ? await madeBy(core, record, answer)
      : {
          kind: 'unknown',
          detail: answer.kind === 'answer' ? 'an answer without a good MAC' : answer.detail,
        };
  if (made.kind === 'unknown') made = await recoverLostAnswer(core, record, request);
  if (made.kind === 'done') return made.outcome;
  if (made.kind === 'unknown') return { kind: 'unresolved', record, detail: made.detail };
  return follow(core, made.record, made.said, input);
}

/** Journals what the host said of the order: its wallet, number, expiry and RRN. */
async function noteOrder(
  core: TerminalCore,
  record: TransactionRecord,
  said: Said,
): Promise<TransactionRecord> {
  return core.putRecord({
    ...record,
    rrn: said.rrn ?? record.rrn,
    updatedAt: core.clock.now(),
    qr: {
      wallet: said.order.wallet,
      codeMasked: '',
      tradeNo: null,
      flow: 'shown',
      orderNo: said.order.orderNo,
      expiresAt: said.order.expiresAt,
    },
  });
}

/** A trusted answer to the 0200: the order, or the refusal (journaled: nothing to pay). */
async function madeBy(core: TerminalCore, record: TransactionRecord, answer: ExchangeAnswer): Promise<Made> {
  const fields = answer.message.fields;
  if (answer.code !== '00') {
    const text = fields['63']?.slice(3).trim();
    const declined = await core.putRecord({
      ...record,
      state: 'declined',
      responseCode: answer.code,
      message:
        text === undefined || text === ''
          ? interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message
          : text,
      rrn: fields['37'] ?? record.rrn,
      updatedAt: core.clock.now(),
    });
    return {
      kind: 'done',
      outcome: { kind: 'declined', record: declined, signInRequired: answer.signInRequired },
    };
  }
  const order = parseShownCodeAnswer(fields['59']);
  if (order === undefined) return { kind: 'unknown', detail: 'an approval without the order (field 59)' };
  const said: Said = { kind: 'known', order, rrn: fields['37'] ?? null };
  return { kind: 'order', record: await noteOrder(core, record, said), said };
}

/**
 * The 0200's answer was lost (or not to be believed): the host is asked before anything else. An
 * order it has is followed; none means the 0200 never arrived: it goes again, same STAN.
 */
async function recoverLostAnswer(
  core: TerminalCore,
  record: TransactionRecord,
  request: IsoMessage,
): Promise<Made> {
  let detail = 'no answer';
  for (let attempt = 0; attempt < core.scanQueries; attempt += 1) {
    if (attempt > 0) await core.clock.sleep(core.scanQueryIntervalMs);
    const asked = await askOrder(core, record);
    if (asked.kind === 'known')
      return { kind: 'order', record: await noteOrder(core, record, asked), said: asked };
    if (asked.kind === 'unknown') {
      detail = asked.detail;
      continue;
    }
    const again = await core.exchange(request, true);
    if (again.kind === 'answer' && answerTrust(again).trusted) {
      const made = await madeBy(core, record, again);
      if (made.kind !== 'unknown') return made;
      detail = made.detail;
    } else {
      detail = again.kind === 'answer' ? 'an answer without a good MAC' : again.detail;
    }
  }
  return { kind: 'unknown', detail };
}

/** Follows an order until it ends: shows its code, looks again with growing waits, closes it when told to. */
async function follow(
  core: TerminalCore,
  record: TransactionRecord,
  first: Said,
  input: ShowCodeInput,
): Promise<ShowCodeOutcome> {
  // Read afresh each time: the cashier may cancel while the terminal waits.
  const cancelled = (): boolean => input.signal?.aborted === true;
  let said = first;
  let shown = false;
  let delayMs = firstPollMs;
  const deadline = (said.order.expiresAt ?? record.createdAt + defaultLifetimeMs) + expiryGraceMs;
  for (let polls = 0; polls < maxPolls; polls += 1) {
    const { order } = said;
    if (order.state !== 'pending') return settleOrder(core, record, said);
    if (!shown && order.qrContent !== null) {
      shown = true;
      input.onProgress?.({
        kind: 'code',
        stan: record.stan,
        wallet: order.wallet,
        orderNo: order.orderNo,
        qrContent: order.qrContent,
        expiresAt: order.expiresAt,
      });
    }
    if (cancelled()) return closeNow(core, record, 'cancelled', input);
    const now = core.clock.now();
    if (now >= deadline) break;
    input.onProgress?.({
      kind: 'waiting',
      polls,
      remainingMs: Math.max(0, (order.expiresAt ?? deadline) - now),
    });
    await core.clock.sleep(Math.min(delayMs, deadline - now), input.signal);
    delayMs = Math.min(delayMs * pollGrowth, maxPollMs);
    if (cancelled()) continue;
    const asked = await askOrder(core, record);
    // No answer to one look: the next one asks again; the order stays as last said.
    if (asked.kind === 'known') said = { ...asked, rrn: asked.rrn ?? said.rrn };
  }
  return closeNow(core, record, 'expired', input);
}

/** Closes the order now; the answer says what it became (a payment just before is the sale's). */
async function closeNow(
  core: TerminalCore,
  record: TransactionRecord,
  why: 'cancelled' | 'expired',
  input: ShowCodeInput,
): Promise<ShowCodeOutcome> {
  input.onProgress?.({ kind: 'closing', why });
  let detail = 'no answer';
  for (let attempt = 0; attempt < core.reversalAttempts; attempt += 1) {
    const closed = await closeOrder(core, record);
    if (closed.kind === 'not-found') return neverMade(core, record);
    if (closed.kind === 'unknown') {
      detail = closed.detail;
      continue;
    }
    if (closed.order.state !== 'pending') {
      return settleOrder(core, record, { ...closed, rrn: closed.rrn ?? record.rrn });
    }
    detail = 'the host did not close the order';
  }
  return {
    kind: 'unresolved',
    record: core.recordsByKey.get(recordKey(record)) ?? record,
    detail,
  };
}
