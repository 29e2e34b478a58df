// The exceptions a run found, held as row numbers into the three tables (a few dozen bytes each,
// however many there are) and turned into report rows only when a report is written: a day where
// every line is an exception costs no more memory than the day itself.
import { formatMajorUnits } from '../../money/money.js';
import {
  causes,
  exceptionKinds,
  kindInfo,
  type Action,
  type Cause,
  type ExceptionKind,
} from './exception-kinds.js';
import { entryModes } from '../../payments/payment.js';
import { hostStatuses, settlementTxnTypes, terminalResults, txnTypes } from '../tables/rows.js';
import {
  hostWallet,
  qrRowOf,
  Table,
  tradesDiffer,
  walletOfCode,
  type HostTable,
  type SettlementTable,
  type TerminalTable,
} from '../tables/tables.js';
import type { TextDictionary } from '../tables/text-dictionary.js';

/** One row of exceptions.csv (v1 exception columns), amounts in fen, null where the column is empty. */
export interface ReconException {
  readonly kind: ExceptionKind;
  readonly cause: Cause;
  readonly action: Action;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly batchNo: string;
  readonly stan: string;
  readonly rrn: string;
  readonly relatedRrn: string;
  readonly hostAmountMinor: number | null;
  readonly settledAmountMinor: number | null;
  readonly detail: string;
}

export const sides = { host: 0, settlement: 1, terminal: 2 } as const;
export type Side = (typeof sides)[keyof typeof sides];

const exceptionSchema = {
  kind: 'u8',
  cause: 'u8',
  /** Which table `subjectRow` is in: the row the exception is about. */
  subjectSide: 'u8',
  subjectRow: 'i32',
  /** The matched host row, or -1. */
  hostRow: 'i32',
  settlementRow: 'i32',
  terminalRow: 'i32',
  /** An earlier row of the subject's own table this one repeats, or -1. */
  earlierRow: 'i32',
  /** Another host row the exception points at (the earlier sale of a suspected duplicate), or -1. */
  relatedHostRow: 'i32',
  /** The money the exception puts in question, in fen (see kindInfo.amountMeaning). */
  amountAtStake: 'f64',
} as const;

export interface ExceptionInput {
  readonly kind: ExceptionKind;
  readonly cause?: Cause;
  readonly subjectSide: Side;
  readonly subjectRow: number;
  readonly hostRow?: number;
  readonly settlementRow?: number;
  readonly terminalRow?: number;
  readonly earlierRow?: number;
  readonly relatedHostRow?: number;
  readonly amountAtStake: number;
}

const manualEntry = 1 + entryModes.indexOf('manual');

/** A wallet's name as the details write it, by its code in the tables. */
function walletName(code: number): string {
  switch (walletOfCode(code)) {
    case 'alipay':
      return 'Alipay';
    case 'wechat':
      return 'WeChat Pay';
    case 'unionpay':
      return 'UnionPay QR';
    case undefined:
      return 'the wallet';
  }
}
const kindIndex = new Map<ExceptionKind, number>(exceptionKinds.map((k, i) => [k, i]));
const causeIndex = new Map<Cause, number>(causes.map((c, i) => [c, i]));

export class ExceptionList {
  private readonly table = new Table(exceptionSchema, 'exceptions', 1024);
  private order: Int32Array | undefined;

  constructor(
    private readonly host: HostTable,
    private readonly settlement: SettlementTable,
    private readonly terminal: TerminalTable | undefined,
    private readonly dictionary: TextDictionary,
  ) {}

  get length(): number {
    return this.table.length;
  }

  add(input: ExceptionInput): void {
    const row = this.table.add();
    const c = this.table.c;
    c.kind[row] = kindIndex.get(input.kind)!;
    c.cause[row] = causeIndex.get(input.cause ?? kindInfo[input.kind].causes[0]!)!;
    c.subjectSide[row] = input.subjectSide;
    c.subjectRow[row] = input.subjectRow;
    c.hostRow[row] = input.hostRow ?? -1;
    c.settlementRow[row] = input.settlementRow ?? -1;
    c.terminalRow[row] = input.terminalRow ?? -1;
    c.earlierRow[row] = input.earlierRow ?? -1;
    c.relatedHostRow[row] = input.relatedHostRow ?? -1;
    c.amountAtStake[row] = input.amountAtStake;
    this.order = undefined;
  }

  /** Count and amount at stake per kind and per cause. */
  totals(): {
    counts: Record<ExceptionKind, number>;
    amounts: Record<ExceptionKind, number>;
    causeCounts: Record<Cause, number>;
    causeAmounts: Record<Cause, number>;
  } {
    const counts = new Array<number>(exceptionKinds.length).fill(0);
    const amounts = new Array<number>(exceptionKinds.length).fill(0);
    const causeCounts = new Array<number>(causes.length).fill(0);
    const causeAmounts = new Array<number>(causes.length).fill(0);
    const { kind, cause, amountAtStake } = this.table.c;
    for (let i = 0; i < this.table.length; i += 1) {
      counts[kind[i]!]! += 1;
      amounts[kind[i]!]! += amountAtStake[i]!;
      causeCounts[cause[i]!]! += 1;
      causeAmounts[cause[i]!]! += amountAtStake[i]!;
    }
    const perKind = (values: number[]): Record<ExceptionKind, number> =>
      Object.fromEntries(exceptionKinds.map((k, i) => [k, values[i]!])) as Record<ExceptionKind, number>;
    const perCause = (values: number[]): Record<Cause, number> =>
      Object.fromEntries(causes.map((c, i) => [c, values[i]!])) as Record<Cause, number>;
    return {
      counts: perKind(counts),
      amounts: perKind(amounts),
      causeCounts: perCause(causeCounts),
      causeAmounts: perCause(causeAmounts),
    };
  }

  /** The i-th exception in report order: by kind in the spec's order, then in the order found. */
  at(i: number): ReconException {
    return this.materialize(this.sortedOrder()[i]!);
  }

  *[Symbol.iterator](): IterableIterator<ReconException> {
    for (let i = 0; i < this.table.length; i += 1) yield this.at(i);
  }

  private sortedOrder(): Int32Array {
    if (this.order !== undefined) return this.order;
    const { kind } = this.table.c;
    const starts = new Array<number>(exceptionKinds.length + 1).fill(0);
    for (let i = 0; i < this.table.length; i += 1) starts[kind[i]! + 1]! += 1;
    for (let k = 1; k < starts.length; k += 1) starts[k]! += starts[k - 1]!;
    const order = new Int32Array(this.table.length);
    for (let i = 0; i < this.table.length; i += 1) order[starts[kind[i]!]!++] = i;
    this.order = order;
    return order;
  }

  private materialize(i: number): ReconException {
    const c = this.table.c;
    const kind = exceptionKinds[c.kind[i]!]!;
    const hostRow = c.hostRow[i]!;
    const settlementRow = c.settlementRow[i]!;
    const subjectSide = c.subjectSide[i] as Side;
    const subject = this.tableOf(subjectSide);
    const subjectRow = c.subjectRow[i]!;
    const text = (code: number): string => this.dictionary.text(code);
    const h = this.host.c;
    const matched = hostRow >= 0 && kind !== 'unknown_in_settlement';
    const relatedHostRow = c.relatedHostRow[i]!;
    let relatedRrn = '';
    if (relatedHostRow >= 0 && kind !== 'unknown_in_settlement') relatedRrn = text(h.rrn[relatedHostRow]!);
    else if (matched && txnTypes[h.txnType[hostRow]!] !== 'sale') relatedRrn = text(h.originalRrn[hostRow]!);
    const rrnCode = matched && h.rrn[hostRow] !== 0 ? h.rrn[hostRow]! : subject.c.rrn[subjectRow]!;
    return {
      kind,
      cause: causes[c.cause[i]!]!,
      action: kindInfo[kind].action,
      merchantId: text(subject.c.merchant[subjectRow]!),
      terminalId: text(subject.c.terminal[subjectRow]!),
      batchNo: text(subject.c.batch[subjectRow]!),
      stan: text(subject.c.stan[subjectRow]!),
      rrn: text(rrnCode),
      relatedRrn,
      hostAmountMinor: matched ? h.amount[hostRow]! : null,
      settledAmountMinor: settlementRow >= 0 ? this.settlement.c.amount[settlementRow]! : null,
      detail: this.detail(kind, i),
    };
  }

  private tableOf(side: Side): HostTable | SettlementTable | TerminalTable {
    if (side === sides.host) return this.host;
    if (side === sides.settlement) return this.settlement;
    return this.terminal!;
  }

  private detail(kind: ExceptionKind, i: number): string {
    const subjectHost = this.table.c.hostRow[i]!;
    const qrSale = subjectHost >= 0 && hostWallet(this.host.c.flags[subjectHost]!) !== 0;
    if (this.settlement.wallet !== 0 || qrSale) {
      const text = this.walletDetail(kind, i);
      if (text !== undefined) return text;
    }
    const c = this.table.c;
    const h = this.host.c;
    const s = this.settlement.c;
    const hostRow = c.hostRow[i]!;
    const settlementRow = c.settlementRow[i]!;
    const terminalRow = c.terminalRow[i]!;
    const earlierRow = c.earlierRow[i]!;
    const yuan = (fen: number): string => `CNY ${formatMajorUnits(fen, 'CNY')}`;
    const hostType = (row: number): string => txnTypes[h.txnType[row]!]!;
    const hostStatus = (row: number): string => hostStatuses[h.status[row]!]!.replace('_', ' ');
    const settlementPlace = (row: number): string => this.settlement.placeOf(s.line[row]!);
    const terminalPlace = (row: number): string => this.terminal!.placeOf(this.terminal!.c.line[row]!);
    const hostPlace = (row: number): string => this.host.placeOf(h.line[row]!);
    switch (kind) {
      case 'duplicate_settlement':
        return `${settlementPlace(settlementRow)} settles the same ${hostType(hostRow)} again as ${settlementPlace(earlierRow)}.`;
      case 'reversed_but_settled':
        return `The host has this sale ${hostStatus(hostRow)}, yet ${settlementPlace(settlementRow)} settled ${yuan(s.amount[settlementRow]!)}.`;
      case 'missing_in_settlement':
        return `The host approved this ${hostType(hostRow)} of ${yuan(h.amount[hostRow]!)} (${hostPlace(hostRow)}) but no settlement line carries it.`;
      case 'unknown_in_settlement': {
        const wanted = settlementTxnTypes[s.txnType[settlementRow]!] === 'sale' ? 'sale' : 'approved refund';
        const conflict = c.relatedHostRow[i]!;
        const note =
          conflict >= 0
            ? ` (the host holds that key as a ${hostType(conflict)}, ${hostStatus(conflict)}, ${hostPlace(conflict)})`
            : '';
        return `${settlementPlace(settlementRow)} settles ${yuan(s.amount[settlementRow]!)} but matches no host ${wanted}${note}.`;
      }
      case 'amount_mismatch': {
        const settled = s.amount[settlementRow]!;
        const held = h.amount[hostRow]!;
        if (
          s.currency[settlementRow] !== 0 &&
          h.currency[hostRow] !== 0 &&
          s.currency[settlementRow] !== h.currency[hostRow]
        ) {
          return `${settlementPlace(settlementRow)} settles in ${this.dictionary.text(s.currency[settlementRow]!)} but the host holds ${this.dictionary.text(h.currency[hostRow]!)}.`;
        }
        return `${settlementPlace(settlementRow)} settles ${yuan(settled)} but the host holds ${yuan(held)} (${settled > held ? 'over' : 'under'} by ${yuan(Math.abs(settled - held))}).`;
      }
      case 'duplicate_sale_suspect': {
        const earlier = c.relatedHostRow[i]!;
        const apartS = (h.time[hostRow]! - h.time[earlier]!) / 1000;
        const keyed = h.entryMode[hostRow] === manualEntry || h.entryMode[earlier] === manualEntry;
        const how =
          causes[c.cause[i]!] === 'hardware'
            ? 'both cards read, under 15 s apart: likely sent twice by the terminal'
            : keyed
              ? 'a card number keyed in: likely run again by the operator'
              : 'likely run again by the operator';
        return `Same card, amount and terminal as RRN ${this.dictionary.text(h.rrn[earlier]!)}, ${apartS} s earlier (${how}); not confirmed by the operator.`;
      }
      case 'terminal_display_duplicate':
        return `${terminalPlace(terminalRow)} lists the same ${hostType(hostRow)} again as ${terminalPlace(earlierRow)}; the host holds it once.`;
      case 'terminal_only':
        return hostRow >= 0
          ? `${terminalPlace(terminalRow)} shows this ${hostType(hostRow)} approved but the host has it ${hostStatus(hostRow)}.`
          : `${terminalPlace(terminalRow)} shows an approved ${txnTypes[this.terminal!.c.txnType[terminalRow]!]} the host does not hold.`;
      case 'host_only_approved':
        return `The host approved this sale but ${terminalPlace(terminalRow)} shows it ${terminalResults[this.terminal!.c.result[terminalRow]!]}; the operator may have run it again.`;
    }
  }

  /**
   * The detail of a settlement-side exception of a wallet's bill, or of a suspected duplicate QR
   * sale, in a wallet's words (order numbers, the bill's lines); undefined where the card wording
   * fits (the terminal kinds).
   */
  // Long because: one sentence per kind, each reading its own rows; apart they would repeat the
  // same dozen lookups.
  private walletDetail(kind: ExceptionKind, i: number): string | undefined {
    const c = this.table.c;
    const h = this.host.c;
    const s = this.settlement.c;
    const text = (code: number): string => this.dictionary.text(code);
    const hostRow = c.hostRow[i]!;
    const line = c.settlementRow[i]!;
    const yuan = (fen: number): string => `CNY ${formatMajorUnits(fen, 'CNY')}`;
    const wallet = walletName(this.settlement.wallet || hostWallet(h.flags[Math.max(0, hostRow)]!));
    const place = (row: number): string => this.settlement.placeOf(s.line[row]!);
    const billOrder = (row: number): string => {
      const trade = text(this.settlement.qr.c.tradeNo[row]!);
      return `order ${text(this.settlement.qr.c.orderNo[row]!)}${trade === '' ? '' : ` (trade ${trade})`}`;
    };
    const hostOrder = (row: number): string => {
      const q = qrRowOf(this.host, row);
      return q < 0 ? 'an order the journal does not name' : `order ${text(this.host.qr.c.orderNo[q]!)}`;
    };
    const hostStatus = (row: number): string => hostStatuses[h.status[row]!]!.replace('_', ' ');
    switch (kind) {
      case 'duplicate_settlement':
        return `${place(line)} pays ${billOrder(line)} again as ${place(c.earlierRow[i]!)}: ${wallet} charged one order twice.`;
      case 'reversed_but_settled': {
        const paid = s.amount[line]!;
        const back = paid - c.amountAtStake[i]!;
        return `The host has this ${wallet} sale (${hostOrder(hostRow)}) ${hostStatus(hostRow)}, yet ${place(line)} shows it paid ${yuan(paid)} and ${back === 0 ? 'no refund' : `only ${yuan(back)} refunded`}: the customer is owed ${yuan(c.amountAtStake[i]!)}.`;
      }
      case 'missing_in_settlement':
        return `The host approved this ${wallet} sale of ${yuan(h.amount[hostRow]!)} (${hostOrder(hostRow)}, ${this.host.placeOf(h.line[hostRow]!)}) but the ${wallet} bill has no payment for it.`;
      case 'unknown_in_settlement':
        return this.unknownWalletLine(i, wallet, place(line), billOrder(line));
      case 'amount_mismatch': {
        const billed = s.amount[line]!;
        const held = h.amount[hostRow]!;
        return `${place(line)} shows ${yuan(billed)} for ${billOrder(line)} but the host holds ${yuan(held)} (${billed > held ? 'over' : 'under'} by ${yuan(Math.abs(billed - held))}).`;
      }
      case 'duplicate_sale_suspect': {
        const earlier = c.relatedHostRow[i]!;
        const apartS = (h.time[hostRow]! - h.time[earlier]!) / 1000;
        return `Same ${wallet} payer, amount and terminal as RRN ${text(h.rrn[earlier]!)} (${hostOrder(earlier)}), ${apartS} s earlier: likely a second payment code scanned for one sale; not confirmed by the operator.`;
      }
      default:
        return undefined;
    }
  }

  /** Why a wallet bill's line found no QR sale of its kind. */
  private unknownWalletLine(i: number, wallet: string, place: string, order: string): string {
    const s = this.settlement.c;
    const h = this.host.c;
    const line = this.table.c.settlementRow[i]!;
    const related = this.table.c.relatedHostRow[i]!;
    const amount = `CNY ${formatMajorUnits(s.amount[line]!, 'CNY')}`;
    const q = related < 0 ? -1 : qrRowOf(this.host, related);
    if (q >= 0 && tradesDiffer(this.settlement.qr.c.tradeNo[line]!, this.host.qr.c.tradeNo[q]!)) {
      return `${place} names ${order}, but the host's sale of that order (${this.host.placeOf(h.line[related]!)}) was paid as trade ${this.dictionary.text(this.host.qr.c.tradeNo[q]!)}: another trade under the host's order number.`;
    }
    if (related >= 0 && hostWallet(h.flags[related]!) !== this.settlement.wallet) {
      const held = hostWallet(h.flags[related]!);
      return `${place} names ${order}, which the host holds as ${held === 0 ? 'a card payment' : `a QR sale through ${walletName(held)}`} (${this.host.placeOf(h.line[related]!)}), not ${wallet}.`;
    }
    if (settlementTxnTypes[s.txnType[line]!] === 'refund') {
      return related >= 0
        ? `${place} refunds ${amount} of ${order}, which the host holds as ${hostStatuses[h.status[related]!]!.replace('_', ' ')} (${this.host.placeOf(h.line[related]!)}): a refund made at ${wallet} that the host does not know.`
        : `${place} refunds ${amount} of ${order}, an order the host does not hold.`;
    }
    return `${place} shows ${amount} paid through ${wallet} for ${order}, which the host does not hold (a sale the host lost, a payment to a closed or expired order, or another system on the same ${wallet} account).`;
  }
}
