// The money operations: sale and void (reversible: the transaction and its reversal record are
// journaled before the request goes out, and the outcome settles which of them stays), refund and
// void of a QR sale (journaled, then sent until answered, never reversed) and the balance inquiry
// (no money moves).
import { maskPan } from '../../cards/card.js';
import { interpretResponseCode, sixDigits, type IsoMessage } from '../../iso8583/index.js';
import { PosError } from '../../pos-error.js';
import {
  recordKey,
  sendingRecord,
  type OriginalRef,
  type ScanDetails,
  type TransactionRecord,
} from '../journal.js';
import type { FinancialOutcome } from '../outcomes.js';
import {
  balanceRequest,
  reversalMessage,
  saleRequest,
  voidRequest,
  type CardInput,
  type TerminalIdentity,
} from '../terminal-messages.js';
import { finish, sendUntilAnswered } from './record-answer.js';
import { readyForMoney, reverseNow } from './reversals.js';
import { answerTrust, type TerminalCore } from './terminal-core.js';

export interface SaleInput {
  amount: number;
  card: CardInput;
  operatorId?: string | null;
  confirmDuplicate?: boolean;
}

/** A sale whose card read was accepted (terminal-client.ts filters double reads first). */
export function sale(core: TerminalCore, input: SaleInput): Promise<FinancialOutcome> {
  const operatorId = input.operatorId ?? null;
  return reversible(core, {
    kind: 'sale',
    amount: input.amount,
    cardMasked: maskPan(input.card.pan),
    entryMode: input.card.entryMode,
    operatorId,
    original: null,
    onStan: (stan) => core.cardReads.started(stan),
    build: (common) =>
      saleRequest({
        ...common,
        amount: input.amount,
        card: input.card,
        operatorId,
        confirmDuplicate: input.confirmDuplicate ?? false,
      }),
  });
}

/**
 * Voids an approved sale of the journal (by STAN), or one named explicitly. A card sale's void is
 * reversible (a 0400 when no answer comes); a QR sale's void is a refund at the wallet, which
 * nothing takes back: it is sent again, same STAN, until answered, never reversed.
 */
export function voidSale(
  core: TerminalCore,
  input: { stan?: string; original?: OriginalRef; operatorId?: string | null },
): Promise<FinancialOutcome> {
  const original = input.original ?? originalOf(core, input.stan, 'void');
  const operatorId = input.operatorId ?? null;
  const qr = qrSaleDetails(core, original);
  if (qr !== undefined) {
    return untilAnswered(core, { kind: 'void', original, amount: original.amount, operatorId, qr });
  }
  return reversible(core, {
    kind: 'void',
    amount: original.amount,
    cardMasked: core.findRecord(original.stan)?.cardMasked ?? null,
    entryMode: null,
    operatorId,
    original,
    build: (common) => voidRequest({ ...common, original, operatorId }),
  });
}

/** Refunds part or all of a sale of the journal (by STAN), or one named explicitly. */
export function refund(
  core: TerminalCore,
  input: { stan?: string; original?: OriginalRef; amount: number; operatorId?: string | null },
): Promise<FinancialOutcome> {
  const original = input.original ?? originalOf(core, input.stan, 'refund');
  return untilAnswered(core, {
    kind: 'refund',
    original,
    amount: input.amount,
    operatorId: input.operatorId ?? null,
    qr: qrSaleDetails(core, original),
  });
}

/**
 * The wallet, masked code and trade number of the QR sale `original` names, when the journal has
 * it as a QR sale (same batch, STAN and RRN); nothing for a card sale or one the journal lacks.
 */
function qrSaleDetails(core: TerminalCore, original: OriginalRef): ScanDetails | undefined {
  const sale = core.recordsByKey.get(recordKey(original));
  if (sale?.kind !== 'sale' || sale.rrn !== original.rrn || sale.qr === undefined || sale.qr === null)
    return undefined;
  return { wallet: sale.qr.wallet, codeMasked: sale.qr.codeMasked, tradeNo: sale.qr.tradeNo };
}

/**
 * A request never reversed (a refund, a void of a QR sale): journaled `sending`, with no reversal
 * record, then sent, and sent again with the same STAN on every later call until answered.
 */
async function untilAnswered(
  core: TerminalCore,
  spec: {
    kind: 'void' | 'refund';
    original: OriginalRef;
    amount: number;
    operatorId: string | null;
    qr: ScanDetails | undefined;
  },
): Promise<FinancialOutcome> {
  const blocked = await readyForMoney(core);
  if (blocked !== undefined) return blocked;
  const stan = await core.nextStan();
  const now = core.clock.now();
  const record = await core.putRecord(
    sendingRecord(
      {
        batchNo: core.state.batchNo,
        stan: sixDigits(stan),
        kind: spec.kind,
        amount: spec.amount,
        cardMasked: core.findRecord(spec.original.stan)?.cardMasked ?? null,
        entryMode: null,
        operatorId: spec.operatorId,
        original: spec.original,
        qr: spec.qr,
      },
      now,
    ),
  );
  return sendUntilAnswered(core, record);
}

export function originalOf(core: TerminalCore, stan: string | undefined, what: string): OriginalRef {
  const sale = stan === undefined ? undefined : core.findRecord(stan);
  if (sale?.kind !== 'sale' || sale.state !== 'approved' || sale.rrn === null) {
    throw new PosError(
      'POS_ERR_TERMINAL_UNKNOWN_TRANSACTION',
      `${what}: expected the STAN of an approved sale in this terminal's journal, got ${stan === undefined ? 'none' : JSON.stringify(stan)}${
        sale === undefined ? '' : ` (a ${sale.kind} that is ${sale.state})`
      }`,
    );
  }
  const local = new Date(sale.createdAt + 8 * 3600 * 1000).toISOString();
  return {
    batchNo: sale.batchNo,
    stan: sale.stan,
    rrn: sale.rrn,
    authCode: sale.authCode,
    date: `${local.slice(5, 7)}${local.slice(8, 10)}`,
    amount: sale.amount,
  };
}

/** What a reversible request is: its record's contents and how to build its message. */
interface ReversibleSpec {
  kind: 'sale' | 'void';
  amount: number;
  cardMasked: string | null;
  entryMode: TransactionRecord['entryMode'];
  operatorId: string | null;
  original: OriginalRef | null;
  onStan?: (stan: string) => void;
  build: (common: { identity: TerminalIdentity; stan: number; batchNo: string }) => IsoMessage;
  /** A scan-code sale's details for its record (scan.ts); absent for a card sale or a void. */
  qr?: ScanDetails;
  /** How long to wait for the answer; the terminal's answer timeout when absent. */
  timeoutMs?: number;
  /** What follows when no answer came (scan.ts asks the host first); reversing at once when absent. */
  unanswered?: (record: TransactionRecord, request: IsoMessage) => Promise<FinancialOutcome>;
}

/**
 * A reversible request (sale, void): journal the transaction and its reversal record, send,
 * then settle the outcome; see the file header of terminal-client.ts for each case.
 */
export async function reversible(core: TerminalCore, spec: ReversibleSpec): Promise<FinancialOutcome> {
  const blocked = await readyForMoney(core);
  if (blocked !== undefined) return blocked;
  const stan = await core.nextStan();
  spec.onStan?.(sixDigits(stan));
  const batchNo = core.state.batchNo;
  const request = spec.build({ identity: core.identity, stan, batchNo });
  const now = core.clock.now();
  const ref = { batchNo, stan: sixDigits(stan) };
  let record = await journalBeforeSending(core, { spec, request, ref, now });
  const answer = await core.exchange(request, true, spec.timeoutMs);
  if (answer.kind === 'not-sent') {
    record = await core.putRecord({
      ...record,
      state: 'not-sent',
      message: answer.detail,
      updatedAt: core.clock.now(),
    });
    await core.dropReversal(ref);
    return { kind: 'not-sent', record, detail: answer.detail };
  }
  if (answer.kind === 'no-answer') {
    return spec.unanswered === undefined
      ? reverseNow(core, record, request, 'no-answer')
      : spec.unanswered(record, request);
  }
  const { approved, trusted } = answerTrust(answer);
  if (!trusted) {
    return reverseNow(
      core,
      record,
      request,
      'mac-failed',
      approved ? answer.message.fields['38'] : undefined,
    );
  }
  if (approved) {
    // From here until the record is completed, a crash means reason 96: approved, not finished.
    const authCode = answer.message.fields['38'];
    await core.putReversal({
      ...ref,
      reason: 'terminal-failed',
      message: reversalMessage(request, 'terminal-failed', authCode),
      attempts: 0,
      createdAt: now,
    });
  }
  const outcome = await finish(core, record, answer);
  await core.dropReversal(ref);
  return outcome;
}

/** Journals the reversal record (reason 98, no answer) and then the transaction, `sending`. */
async function journalBeforeSending(
  core: TerminalCore,
  sending: {
    spec: ReversibleSpec;
    request: IsoMessage;
    ref: { batchNo: string; stan: string };
    now: number;
  },
): Promise<TransactionRecord> {
  const { spec, request, ref, now } = sending;
  await core.putReversal({
    ...ref,
    reason: 'no-answer',
    message: reversalMessage(request, 'no-answer'),
    attempts: 0,
    createdAt: now,
  });
  return core.putRecord(
    sendingRecord(
      {
        ...ref,
        kind: spec.kind,
        amount: spec.amount,
        cardMasked: spec.cardMasked,
        entryMode: spec.entryMode,
        operatorId: spec.operatorId,
        original: spec.original,
        qr: spec.qr,
      },
      now,
    ),
  );
}

/** A balance inquiry: no money moves, nothing to reverse. Field 54's amount in fen. */
export async function balance(
  core: TerminalCore,
  input: {
    card: CardInput;
  },
): Promise<
  | { readonly kind: 'balance'; readonly balanceMinor: number; readonly code: string }
  | { readonly kind: 'declined'; readonly code: string; readonly message: string }
  | { readonly kind: 'no-answer' | 'blocked'; readonly detail: string }
> {
  const blocked = await readyForMoney(core);
  if (blocked !== undefined) return { kind: 'blocked', detail: blocked.detail };
  const stan = await core.nextStan();
  const answer = await core.exchange(
    balanceRequest({ identity: core.identity, stan, batchNo: core.state.batchNo, card: input.card }),
    true,
  );
  if (answer.kind !== 'answer') return { kind: 'no-answer', detail: answer.detail };
  const field54 = answer.message.fields['54'];
  if (answer.code !== '00' || answer.macOk !== true || field54 === undefined) {
    return {
      kind: 'declined',
      code: answer.code,
      message: interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message,
    };
  }
  const sign = field54.slice(7, 8) === 'D' ? -1 : 1;
  return { kind: 'balance', balanceMinor: sign * Number(field54.slice(8, 20)), code: answer.code };
}
