// The matcher and classifier: given the three tables of one day, finds every exception of the v1
// spec with its cause. Pure: no files, no clock; the same tables give the same exceptions in the
// same order. How voids and refunds take part (the spec is silent) is written down in
// docs/decisions.md, "Reconciliation"; in short:
// - a settlement `sale` line matches a host `sale` (any status); a settlement `refund` line matches
//   an approved host `refund`; anything else the key finds is no match (unknown_in_settlement);
// - host voids are never settled and produce no settlement-side exception;
// - an approved host refund no settlement line carries is missing_in_settlement, like a sale;
// - a terminal row matches a host row of its own txn_type.
// A run reconciles one settlement source: an acquirer's file (card payments) or one wallet's bill
// (that wallet's QR sales). Host rows of other methods and wallets take no part in the settlement
// passes. What each kind means for a QR sale is in docs/qr.md ("Reconciliation with the wallets'
// bills"); in short, a bill line finds its sale by the merchant order number, a refund line is
// the host's own refund of that order (a refund or void of a QR sale, each matched once, same
// amount first), or else expected only for a sale the host no longer keeps (reversed, declined:
// the wallet's cancel refunds it), and a reversed sale is settled wrongly only for what the bill
// did not refund. An approved host refund no bill line carries is missing at the wallet.
import { assert } from '../../assert.js';
import { ExceptionList, sides } from './exception-list.js';
import { capacityFor, compositeHash, HostIndex, mixCode } from './host-index.js';
import { entryModes } from '../../payments/payment.js';
import { hostStatuses, settlementTxnTypes, terminalResults, txnTypes } from '../tables/rows.js';
import {
  hostFlags,
  hostWallet,
  tradesDiffer,
  type HostTable,
  type SettlementTable,
  type TerminalTable,
} from '../tables/tables.js';
import type { TextDictionary } from '../tables/text-dictionary.js';

/** Two card reads closer than this are the terminal's doing, not the operator's (spec). */
export const hardwareRepeatMs = 15_000;

export interface ClassifyInput {
  readonly host: HostTable;
  readonly settlement: SettlementTable;
  readonly terminal?: TerminalTable | undefined;
  readonly dictionary: TextDictionary;
  readonly duplicateWindowS: number;
  /** The host table's index, when the caller built it already (while another thread parsed). */
  readonly index?: HostIndex;
}

export interface Classification {
  readonly exceptions: ExceptionList;
  /** Settlement lines that found their host row (extra lines of a duplicate included). */
  readonly matched: number;
}

/** What the settlement pass found: each host row's first settling line, and wallet refunds. */
interface Settled {
  /** Per host row, its first settlement line (its sale line, for a wallet), or -1. */
  readonly firstSettlement: Int32Array;
  /** Per QR sale (host row), what the wallet's refund lines gave back, in fen. */
  readonly refunded: Map<number, number>;
  readonly matched: number;
}

const sale = txnTypes.indexOf('sale');
const refund = txnTypes.indexOf('refund');
const settlementSale = settlementTxnTypes.indexOf('sale');
const status = Object.fromEntries(hostStatuses.map((s, i) => [s, i])) as Record<
  (typeof hostStatuses)[number],
  number
>;
const terminalApproved = terminalResults.indexOf('approved');
const manualEntry = 1 + entryModes.indexOf('manual');

/** A sale whose money is still captured: approved, possibly partly refunded. */
function isCapturedSale(host: HostTable, row: number): boolean {
  const s = host.c.status[row];
  return host.c.txnType[row] === sale && (s === status.approved || s === status.partially_refunded);
}

/** The host approved this payment at some point (a voided or refunded sale was approved first). */
function wasApproved(host: HostTable, row: number): boolean {
  const s = host.c.status[row];
  return s !== status.declined && s !== status.reversed;
}

/**
 * A wallet run: the host's approved refunds of its QR sales of that wallet (rows of `host.qr`), by
 * the order number they name (their sale's), in journal order. Empty for a card run.
 */
function hostRefundsByOrder(host: HostTable, scope: number): Map<number, number[]> {
  const byOrder = new Map<number, number[]>();
  if (scope === 0) return byOrder;
  const { qr } = host;
  for (let q = 0; q < qr.length; q += 1) {
    const row = qr.c.row[q]!;
    if (host.c.txnType[row] !== refund || host.c.status[row] !== status.approved) continue;
    if (hostWallet(host.c.flags[row]!) !== scope) continue;
    const order = qr.c.orderNo[q]!;
    const rows = byOrder.get(order);
    if (rows === undefined) byOrder.set(order, [q]);
    else rows.push(q);
  }
  return byOrder;
}

/**
 * The host refund (a row of `host.qr`) a bill's refund line stands for: the first one of its order
 * not matched yet, of the line's amount if there is one; -1 when every one is matched already.
 */
function ownRefundOf(
  host: HostTable,
  refunds: readonly number[],
  amount: number,
  firstSettlement: Int32Array,
): number {
  let any = -1;
  for (const q of refunds) {
    const row = host.qr.c.row[q]!;
    if (firstSettlement[row]! >= 0) continue;
    if (host.c.amount[row] === amount) return q;
    if (any < 0) any = q;
  }
  return any;
}

/**
 * A bill's refund line of an order the host refunded itself (a refund or void of a QR sale): the
 * line settles one of those refunds, if one is left and names the same trade. Says if it did.
 */
function settlesOwnRefund(
  host: HostTable,
  settlement: SettlementTable,
  line: number,
  own: readonly number[],
  firstSettlement: Int32Array,
): boolean {
  const q = ownRefundOf(host, own, settlement.c.amount[line]!, firstSettlement);
  if (q < 0 || tradesDiffer(settlement.qr.c.tradeNo[line]!, host.qr.c.tradeNo[q]!)) return false;
  firstSettlement[host.qr.c.row[q]!] = line;
  return true;
}

/** Runs the passes over the same columns in the order the v1 rules give them precedence. */
export function classify(input: ClassifyInput): Classification {
  const { host, settlement, terminal, dictionary } = input;
  assert(
    Number.isFinite(input.duplicateWindowS) && input.duplicateWindowS >= 0,
    'the duplicate window is a length of time',
  );
  const index = input.index ?? new HostIndex(host, dictionary);
  const exceptions = new ExceptionList(host, settlement, terminal, dictionary);
  const settled = matchSettlement(host, settlement, index, exceptions);
  const { firstSettlement, matched } = settled;
  classifyHostRows(host, settlement, settled, exceptions);
  findDuplicateSales(host, firstSettlement, input.duplicateWindowS * 1000, exceptions);
  if (terminal !== undefined) classifyTerminal(host, index, terminal, firstSettlement, exceptions);
  return { exceptions, matched };
}

/**
 * Settlement lines, in file order: the first line to find a host row is its settlement; later ones
 * are extra (duplicate_settlement), and a line that finds no host row of its type is
 * unknown_in_settlement. Answers each host row's settlement line (-1 for none), the refunds a
 * wallet's bill gave back per QR sale, and the lines matched.
 */
// Long because: one pass over every settlement line, the hot loop of a run; each line's lookup,
// match and exception stay inline rather than returning a result object per line.
function matchSettlement(
  host: HostTable,
  settlement: SettlementTable,
  index: HostIndex,
  exceptions: ExceptionList,
): Settled {
  const h = host.c;
  const s = settlement.c;
  const scope = settlement.wallet;
  const firstSettlement = new Int32Array(host.length).fill(-1);
  const refunded = new Map<number, number>();
  const ownRefunds = hostRefundsByOrder(host, scope);
  let matched = 0;
  for (let line = 0; line < settlement.length; line += 1) {
    let found: number;
    let tradeDiffers = false;
    if (scope === 0) {
      found = index.find(s.rrn[line]!, s.merchant[line]!, s.terminal[line]!, s.batch[line]!, s.stan[line]!);
    } else {
      const q = index.findByOrder(settlement.qr.c.orderNo[line]!);
      found = q < 0 ? -1 : host.qr.c.row[q]!;
      tradeDiffers = q >= 0 && tradesDiffer(settlement.qr.c.tradeNo[line]!, host.qr.c.tradeNo[q]!);
    }
    const isSale = s.txnType[line] === settlementSale;
    const own = isSale ? undefined : ownRefunds.get(settlement.qr.c.orderNo[line]!);
    if (
      own !== undefined &&
      !tradeDiffers &&
      settlesOwnRefund(host, settlement, line, own, firstSettlement)
    ) {
      matched += 1;
      continue;
    }
    const fits =
      found >= 0 &&
      !tradeDiffers &&
      own === undefined &&
      hostWallet(h.flags[found]!) === scope &&
      (isSale
        ? h.txnType[found] === sale
        : scope === 0
          ? h.txnType[found] === refund && h.status[found] === status.approved
          : h.txnType[found] === sale && h.status[found] !== status.approved);
    if (!fits) {
      exceptions.add({
        kind: 'unknown_in_settlement',
        subjectSide: sides.settlement,
        subjectRow: line,
        settlementRow: line,
        relatedHostRow: found,
        amountAtStake: s.amount[line]!,
      });
      continue;
    }
    matched += 1;
    if (!isSale && scope !== 0) {
      // A wallet's refund of a sale the host no longer keeps: what its cancel was meant to do.
      refunded.set(found, (refunded.get(found) ?? 0) + s.amount[line]!);
      continue;
    }
    const first = firstSettlement[found]!;
    if (first < 0) {
      firstSettlement[found] = line;
    } else {
      exceptions.add({
        kind: 'duplicate_settlement',
        subjectSide: sides.settlement,
        subjectRow: line,
        hostRow: found,
        settlementRow: line,
        earlierRow: first,
        amountAtStake: s.amount[line]!,
      });
    }
  }
  return { firstSettlement, refunded, matched };
}

/**
 * Host rows, in journal order: what was settled that should not have been, what should have been
 * and was not, and settled amounts that differ.
 */
function classifyHostRows(
  host: HostTable,
  settlement: SettlementTable,
  settled: Settled,
  exceptions: ExceptionList,
): void {
  const h = host.c;
  const s = settlement.c;
  const { firstSettlement, refunded } = settled;
  const scope = settlement.wallet;
  for (let row = 0; row < host.length; row += 1) {
    const type = h.txnType[row];
    if (type !== sale && type !== refund) continue;
    if (hostWallet(h.flags[row]!) !== scope) continue;
    const line = firstSettlement[row]!;
    const st = h.status[row];
    if (line < 0) {
      if (isCapturedSale(host, row) || (type === refund && st === status.approved)) {
        exceptions.add({
          kind: 'missing_in_settlement',
          subjectSide: sides.host,
          subjectRow: row,
          hostRow: row,
          amountAtStake: h.amount[row]!,
        });
      }
      continue;
    }
    if (type === sale && (st === status.reversed || st === status.voided || st === status.declined)) {
      // A wallet's bill may show the charge refunded (the host's cancel worked): only what it did
      // not give back is owed to the customer.
      const owed = s.amount[line]! - (refunded.get(row) ?? 0);
      if (owed <= 0) continue;
      exceptions.add({
        kind: 'reversed_but_settled',
        cause: st === status.reversed ? 'network' : 'third_party',
        subjectSide: sides.host,
        subjectRow: row,
        hostRow: row,
        settlementRow: line,
        amountAtStake: owed,
      });
      continue;
    }
    const currencyDiffers =
      s.currency[line] !== 0 && h.currency[row] !== 0 && s.currency[line] !== h.currency[row];
    if (currencyDiffers || s.amount[line] !== h.amount[row]) {
      exceptions.add({
        kind: 'amount_mismatch',
        subjectSide: sides.host,
        subjectRow: row,
        hostRow: row,
        settlementRow: line,
        amountAtStake: Math.abs(s.amount[line]! - h.amount[row]!),
      });
    }
  }
}

/**
 * duplicate_sale_suspect: among captured, settled sales with a card fingerprint and a time, groups
 * by merchant + terminal + card + amount + currency (a hash chain through `previous`), and within each
 * group in time order (journal order on ties) flags every unconfirmed sale at most the window after
 * the sale before it.
 */
function findDuplicateSales(
  host: HostTable,
  firstSettlement: Int32Array,
  windowMs: number,
  exceptions: ExceptionList,
): void {
  const h = host.c;
  const { slots, previous, grouped } = groupCandidateSales(host, firstSettlement);
  for (const slot of grouped) {
    const members: number[] = [];
    for (let row = slots[slot * 2 + 1]! - 1; row >= 0; row = previous[row]!) members.push(row);
    members.sort((a, b) => h.time[a]! - h.time[b]! || a - b);
    for (let k = 1; k < members.length; k += 1) {
      const earlier = members[k - 1]!;
      const later = members[k]!;
      const apartMs = h.time[later]! - h.time[earlier]!;
      if (apartMs > windowMs || (h.flags[later]! & hostFlags.duplicateConfirmed) !== 0) continue;
      const bothRead =
        h.entryMode[later] !== 0 &&
        h.entryMode[later] !== manualEntry &&
        h.entryMode[earlier] !== 0 &&
        h.entryMode[earlier] !== manualEntry;
      exceptions.add({
        kind: 'duplicate_sale_suspect',
        cause: bothRead && apartMs < hardwareRepeatMs ? 'hardware' : 'operator',
        subjectSide: sides.host,
        subjectRow: later,
        hostRow: later,
        settlementRow: firstSettlement[later]!,
        relatedHostRow: earlier,
        amountAtStake: h.amount[later]!,
      });
    }
  }
}

/**
 * The candidate sales grouped in one pass over the host rows, with the grouping state in locals:
 * a hash table of slot pairs (hash tag, 1 + the group's latest row), `previous` chaining each
 * group's rows from its latest, and the slots of the groups with two rows or more.
 */
function groupCandidateSales(
  host: HostTable,
  firstSettlement: Int32Array,
): { slots: Int32Array; previous: Int32Array; grouped: number[] } {
  const h = host.c;
  const isCandidate = (row: number): boolean =>
    firstSettlement[row]! >= 0 &&
    isCapturedSale(host, row) &&
    (h.flags[row]! & hostFlags.hasFingerprint) !== 0 &&
    !Number.isNaN(h.time[row]);
  let candidates = 0;
  for (let row = 0; row < host.length; row += 1) if (isCandidate(row)) candidates += 1;
  const mask = capacityFor(candidates) - 1;
  const slots = new Int32Array((mask + 1) * 2);
  const previous = new Int32Array(host.length).fill(-1);
  // A card's fingerprint and a payer's are never one group: the wallet bits of the flags differ.
  const sameGroup = (a: number, b: number): boolean =>
    hostWallet(h.flags[a]!) === hostWallet(h.flags[b]!) &&
    h.fingerprintHigh[a] === h.fingerprintHigh[b] &&
    h.fingerprintLow[a] === h.fingerprintLow[b] &&
    h.amount[a] === h.amount[b] &&
    h.terminal[a] === h.terminal[b] &&
    h.merchant[a] === h.merchant[b] &&
    h.currency[a] === h.currency[b];
  const grouped: number[] = [];
  for (let row = 0; row < host.length; row += 1) {
    if (!isCandidate(row)) continue;
    let tag = compositeHash(h.merchant[row]!, h.terminal[row]!, h.amount[row]!, h.currency[row]!);
    tag = Math.imul(tag ^ h.fingerprintHigh[row]!, 0x01000193) ^ mixCode(h.fingerprintLow[row]!);
    let slot = tag & mask;
    while (
      slots[slot * 2 + 1] !== 0 &&
      (slots[slot * 2] !== tag || !sameGroup(slots[slot * 2 + 1]! - 1, row))
    ) {
      slot = (slot + 1) & mask;
    }
    const latest = slots[slot * 2 + 1]! - 1;
    if (latest >= 0) {
      previous[row] = latest;
      if (previous[latest] === -1) grouped.push(slot);
    }
    slots[slot * 2] = tag;
    slots[slot * 2 + 1] = row + 1;
  }
  return { slots, previous, grouped };
}

/**
 * The terminal journal against the host: repeats of one host row on the terminal
 * (terminal_display_duplicate), approvals the host never gave (terminal_only), and host approvals
 * the terminal did not see (host_only_approved). The terminal's view of a host row is "approved"
 * when any of its rows shows approved, else the result of its first row.
 */
function classifyTerminal(
  host: HostTable,
  index: HostIndex,
  terminal: TerminalTable,
  firstSettlement: Int32Array,
  exceptions: ExceptionList,
): void {
  const h = host.c;
  const t = terminal.c;
  const { firstTerminal, approvedTerminal } = matchTerminalRows(host, index, terminal, exceptions);
  for (let row = 0; row < host.length; row += 1) {
    const first = firstTerminal[row]!;
    if (first < 0) continue;
    const approved = approvedTerminal[row]!;
    if (approved >= 0) {
      if (!wasApproved(host, row)) {
        exceptions.add({
          kind: 'terminal_only',
          subjectSide: sides.terminal,
          subjectRow: approved,
          hostRow: row,
          terminalRow: approved,
          amountAtStake: t.amount[approved]! >= 0 ? t.amount[approved]! : h.amount[row]!,
        });
      }
    } else if (isCapturedSale(host, row)) {
      const line = firstSettlement[row]!;
      exceptions.add({
        kind: 'host_only_approved',
        subjectSide: sides.host,
        subjectRow: row,
        hostRow: row,
        terminalRow: first,
        ...(line >= 0 ? { settlementRow: line } : {}),
        amountAtStake: h.amount[row]!,
      });
    }
  }
}

/**
 * Terminal rows, in journal order: an approval no host row of its type stands behind is
 * terminal_only, a second row of one host row is terminal_display_duplicate. Answers, per host
 * row, its first terminal row and its first approved one (-1 for none).
 */
function matchTerminalRows(
  host: HostTable,
  index: HostIndex,
  terminal: TerminalTable,
  exceptions: ExceptionList,
): { firstTerminal: Int32Array; approvedTerminal: Int32Array } {
  const h = host.c;
  const t = terminal.c;
  const firstTerminal = new Int32Array(host.length).fill(-1);
  const approvedTerminal = new Int32Array(host.length).fill(-1);
  for (let row = 0; row < terminal.length; row += 1) {
    let found = index.find(t.rrn[row]!, t.merchant[row]!, t.terminal[row]!, t.batch[row]!, t.stan[row]!);
    if (found >= 0 && h.txnType[found] !== t.txnType[row]) found = -1;
    const approved = t.result[row] === terminalApproved;
    if (found < 0) {
      if (approved) {
        exceptions.add({
          kind: 'terminal_only',
          subjectSide: sides.terminal,
          subjectRow: row,
          terminalRow: row,
          amountAtStake: Math.max(0, t.amount[row]!),
        });
      }
      continue;
    }
    if (approved && approvedTerminal[found]! < 0) approvedTerminal[found] = row;
    const first = firstTerminal[found]!;
    if (first < 0) {
      firstTerminal[found] = row;
      continue;
    }
    exceptions.add({
      kind: 'terminal_display_duplicate',
      subjectSide: sides.terminal,
      subjectRow: row,
      hostRow: found,
      terminalRow: row,
      earlierRow: first,
      amountAtStake: 0,
    });
  }
  return { firstTerminal, approvedTerminal };
}
