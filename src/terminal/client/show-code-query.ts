// Asking the host about a code the terminal shows (a QR order), closing it, and journaling what
// became of it (docs/iso8583.md, "Codes the terminal shows"). The order is named by the batch and
// STAN of the 0200 that made it; each question is MACed and its answer believed only with a good
// MAC and a field 59 about this order:
//  - the transaction query (QRY) says the order as it stands (the host asks the wallet about an
//    open one, and closes it once past its expiry);
//  - the close (QRC) takes the code away: closed, or paid if the customer was first.
// An order whose outcome is not known when the terminal does something else (a crash, a lost
// answer, the cashier walked away) is settled first, as an owed reversal is: asked about, and
// closed if still open (`resolveOpenOrders`). Nothing here ever makes a new order.
import {
  parseShownCodeAnswer,
  transactionQueryMarker,
  type ShownCodeAnswerData,
} from '../../iso8583/index.js';
import { parseQueryAnswer, type HostTransaction } from '../host-transaction.js';
import { recordKey, type TransactionRecord } from '../journal.js';
import type { ShowCodeOutcome } from '../outcomes.js';
import { echoRequest, orderCloseRequest } from '../terminal-messages.js';
import { print } from './record-answer.js';
import { ensureSession } from './session.js';
import type { TerminalCore } from './terminal-core.js';

/** What one question about an order learned. */
export type OrderAsked =
  | { readonly kind: 'known'; readonly order: ShownCodeAnswerData; readonly rrn: string | null }
  /** The host has no order under that batch and STAN: the 0200 never reached it. */
  | { readonly kind: 'not-found' }
  /** No answer, or none to believe. */
  | { readonly kind: 'unknown'; readonly detail: string };

async function askWith(
  core: TerminalCore,
  record: TransactionRecord,
  build: (stan: number) => ReturnType<typeof echoRequest>,
): Promise<OrderAsked> {
  const session = await ensureSession(core);
  if (session !== undefined) return { kind: 'unknown', detail: session };
  const answer = await core.exchange(build(await core.nextStan()), true);
  if (answer.kind !== 'answer') return { kind: 'unknown', detail: answer.detail };
  if (answer.macOk !== true)
    return { kind: 'unknown', detail: `an answer (${answer.code}) without a good MAC` };
  if (answer.code === '25') return { kind: 'not-found' };
  const order = parseShownCodeAnswer(answer.message.fields['59']);
  if (answer.code !== '00' || order === undefined) {
    return { kind: 'unknown', detail: `the host answered ${answer.code} without the order` };
  }
  // The query's field 63 names the transaction: it must be this one (a sale of this amount).
  const text = answer.message.fields['63'] ?? '';
  if (!text.startsWith(transactionQueryMarker)) return { kind: 'known', order, rrn: null };
  let host: HostTransaction;
  try {
    host = parseQueryAnswer(text);
  } catch {
    return { kind: 'unknown', detail: 'an unreadable transaction query answer' };
  }
  if (host.kind !== 'sale' || host.amount !== record.amount) {
    return { kind: 'unknown', detail: 'the host answered about another transaction' };
  }
  return { kind: 'known', order, rrn: host.rrn };
}

/** The order made by `record`'s 0200, as the host has it now (transaction query). */
export function askOrder(core: TerminalCore, record: TransactionRecord): Promise<OrderAsked> {
  return askWith(core, record, (stan) =>
    echoRequest({
      identity: core.identity,
      stan,
      batchNo: core.state.batchNo,
      query: `${record.batchNo}${record.stan}`,
    }),
  );
}

/** Closes the order made by `record`'s 0200; the answer says what it became (closed, or paid). */
export function closeOrder(core: TerminalCore, record: TransactionRecord): Promise<OrderAsked> {
  return askWith(core, record, (stan) =>
    orderCloseRequest({
      identity: core.identity,
      stan,
      batchNo: core.state.batchNo,
      order: { batchNo: record.batchNo, stan: record.stan },
    }),
  );
}

/** What the cashier's screen and the receipt say of an order's end. */
const endings: Readonly<Record<ShownCodeAnswerData['state'], string>> = {
  pending: 'still open',
  paid: 'paid by the customer in the wallet',
  closed: 'closed: not paid',
  expired: 'expired unpaid',
  declined: 'the wallet made no code',
  held: 'suspected duplicate: the same customer paid this amount moments ago; this payment is refunded',
};

/**
 * Journals an order's final state (anything but pending): paid is an approved sale, printed; any
 * other end is a sale that charged nothing.
 */
export async function settleOrder(
  core: TerminalCore,
  record: TransactionRecord,
  said: { readonly order: ShownCodeAnswerData; readonly rrn: string | null },
): Promise<ShowCodeOutcome> {
  const { order } = said;
  const paid = order.state === 'paid';
  const settled = await core.putRecord({
    ...record,
    state: paid ? 'approved' : 'declined',
    // The 00 of the 0200 said the code was made; an order that ends unpaid has no code of its own.
    responseCode: paid ? '00' : null,
    message: endings[order.state],
    rrn: said.rrn ?? record.rrn,
    updatedAt: core.clock.now(),
    qr: {
      wallet: order.wallet,
      codeMasked: '',
      tradeNo: paid ? order.tradeNo : null,
      flow: 'shown',
      orderNo: order.orderNo,
      expiresAt: order.expiresAt,
    },
  });
  if (paid) return print(core, settled, false);
  const state = order.state === 'pending' ? 'closed' : order.state;
  return { kind: 'not-paid', record: settled, state };
}

/** An order the host never had: the 0200 never reached it, so no code was shown or paid. */
export async function neverMade(core: TerminalCore, record: TransactionRecord): Promise<ShowCodeOutcome> {
  const settled = await core.putRecord({
    ...record,
    state: 'declined',
    message: 'the host has no such order: no code was made, nothing can be paid',
    updatedAt: core.clock.now(),
  });
  return { kind: 'not-paid', record: settled, state: 'closed' };
}

/** Settles one open order: asked about; closed if still open; journaled once the host says. */
export async function resolveOrder(core: TerminalCore, record: TransactionRecord): Promise<ShowCodeOutcome> {
  let asked = await askOrder(core, record);
  if (asked.kind === 'known' && asked.order.state === 'pending') {
    const rrn = asked.rrn;
    const closed = await closeOrder(core, record);
    asked = closed.kind === 'known' ? { ...closed, rrn: closed.rrn ?? rrn } : closed;
  }
  if (asked.kind === 'not-found') return neverMade(core, record);
  if (asked.kind === 'unknown') return { kind: 'unresolved', record, detail: asked.detail };
  if (asked.order.state === 'pending') {
    return { kind: 'unresolved', record, detail: 'the host did not close the order' };
  }
  return settleOrder(core, record, asked);
}

/** Settles every code shown earlier whose outcome the journal lacks; returns those still unknown. */
export async function resolveOpenOrders(core: TerminalCore): Promise<TransactionRecord[]> {
  const open = [...core.openOrders]
    .map((key) => core.recordsByKey.get(key))
    .filter((r): r is TransactionRecord => r !== undefined);
  for (const record of open) await resolveOrder(core, record);
  return [...core.openOrders]
    .map((key) => core.recordsByKey.get(key))
    .filter((r): r is TransactionRecord => r !== undefined && core.openOrders.has(recordKey(r)));
}
