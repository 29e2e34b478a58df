// "Is this duplicate real?" (issue 15) as a pure decision: given two payments a merchant sees as
// one sale twice, with what happened to each (voids and refunds, reversals, duplicate records),
// says whether the card was charged once, twice, not at all, or not yet known, and why, in words
// for the merchant in zh-CN and en, with the evidence line by line. The causes, checked in this
// order: the same payment (a retransmission answered from the stored answer), held or blocked by the
// duplicate guard, a genuine second purchase the operator confirmed, found by reconciliation (and
// refunded, or not yet), reversed, voided, refunded, declined, an outcome still unknown, flagged for
// review, and two sales that merely look alike.
import { formatMajorUnits } from '../money/money.js';
import type { DuplicateRecord } from '../payments/ports/duplicate-store.js';
import type { ReversalRecord } from '../payments/ports/reversal-store.js';
import type { PaymentRecord, PaymentStatus } from '../payments/payment.js';

export interface PaymentFacts {
  readonly payment: PaymentRecord;
  /** Voids and refunds of the payment. */
  readonly children: readonly PaymentRecord[];
  readonly reversal: ReversalRecord | undefined;
}

export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

export const chargeCounts = ['none', 'once', 'twice', 'unknown'] as const;
export type ChargeCount = (typeof chargeCounts)[number];

export const verdictCauses = [
  'retransmission',
  'held_by_guard',
  'blocked_by_policy',
  'confirmed_second_purchase',
  'reconciliation_refunded',
  'reconciliation_found',
  'reversed',
  'voided',
  'refunded',
  'declined',
  'outcome_pending',
  'flagged_for_review',
  'different_sales',
  'repeat_outside_guard',
] as const;
export type VerdictCause = (typeof verdictCauses)[number];

export interface DuplicateVerdict {
  readonly charged: ChargeCount;
  readonly cause: VerdictCause;
  readonly explanation: Bilingual;
  readonly evidence: Bilingual[];
}

/** What a payment's status means for the card: charged (at least in part), not charged, or unknown. */
type ChargeState = 'charged' | 'not_charged' | 'unknown';
const chargeState: Record<PaymentStatus, ChargeState> = {
  approved: 'charged',
  partially_refunded: 'charged',
  refunded: 'not_charged',
  voided: 'not_charged',
  reversed: 'not_charged',
  declined: 'not_charged',
  duplicate_suspected: 'not_charged',
  pending: 'unknown',
  reversal_pending: 'unknown',
  reversal_failed: 'unknown',
};

function countCharges(payments: readonly PaymentRecord[]): ChargeCount {
  const states = payments.map((p) => chargeState[p.status]);
  if (states.includes('unknown')) return 'unknown';
  const charged = states.filter((s) => s === 'charged').length;
  return charged === 0 ? 'none' : charged === 1 ? 'once' : 'twice';
}

const yuan = (fen: number): string => `¥${formatMajorUnits(fen, 'CNY')}`;

/** A time in China (UTC+8) as YYYY-MM-DD HH:MM:SS: the merchant's clock, whatever the host's zone. */
export function chinaTime(atMs: number): string {
  return new Date(atMs + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function describePayment(label: Bilingual, p: PaymentRecord): Bilingual {
  const card = p.cardMasked === null ? '' : ` ••••${p.cardMasked.slice(-4)}`;
  const rrn = p.rrn === null ? '' : `, RRN ${p.rrn}`;
  const rrnZh = p.rrn === null ? '' : `，参考号 ${p.rrn}`;
  const answer = p.responseCode === null ? '' : ` (${p.responseCode})`;
  return {
    zh: `${label.zh}：${p.id}，终端 ${p.terminalId}${card}，${yuan(p.amount)}，${chinaTime(p.createdAt)}${rrnZh}，状态 ${p.status}${answer}`,
    en: `${label.en}: ${p.id}, terminal ${p.terminalId}${card}, ${yuan(p.amount)}, ${chinaTime(p.createdAt)}${rrn}, status ${p.status}${answer}`,
  };
}

function evidenceOf(
  first: PaymentFacts,
  second: PaymentFacts,
  duplicates: readonly DuplicateRecord[],
): Bilingual[] {
  const lines = [
    describePayment({ zh: '第一笔', en: 'First' }, first.payment),
    describePayment({ zh: '第二笔', en: 'Second' }, second.payment),
  ];
  for (const facts of first.payment.id === second.payment.id ? [first] : [first, second]) {
    for (const child of facts.children) {
      const kind = child.kind === 'void' ? { zh: '撤销', en: 'Void' } : { zh: '退货', en: 'Refund' };
      lines.push({
        zh: `${kind.zh} ${child.id}（针对 ${facts.payment.id}）：${yuan(child.amount)}，${chinaTime(child.createdAt)}，状态 ${child.status}`,
        en: `${kind.en} ${child.id} of ${facts.payment.id}: ${yuan(child.amount)}, ${chinaTime(child.createdAt)}, status ${child.status}`,
      });
    }
    const r = facts.reversal;
    if (r !== undefined) {
      lines.push({
        zh: `${facts.payment.id} 的冲正：原因 ${r.reason}，状态 ${r.state}，已尝试 ${r.attempts} 次，${chinaTime(r.updatedAt)}`,
        en: `Reversal of ${facts.payment.id}: reason ${r.reason}, ${r.state} after ${r.attempts} attempts, ${chinaTime(r.updatedAt)}`,
      });
    }
  }
  for (const d of duplicates) {
    const who = d.operatorId === null ? '' : d.operatorId;
    lines.push({
      zh: `重复记录 ${d.id}（${d.source === 'reconciliation' ? '对账' : '授权时'}）：${d.resolution}${who === '' ? '' : `，操作员 ${who}`}，${chinaTime(d.detectedAt)}`,
      en: `Duplicate record ${d.id} (${d.source}): ${d.resolution}${who === '' ? '' : `, operator ${who}`}, ${chinaTime(d.detectedAt)}`,
    });
  }
  return lines;
}

export interface VerdictInput {
  readonly first: PaymentFacts;
  readonly second: PaymentFacts;
  /** Duplicate records naming either payment. */
  readonly duplicates: readonly DuplicateRecord[];
}

export function duplicateVerdict(input: VerdictInput): DuplicateVerdict {
  const evidence = evidenceOf(input.first, input.second, input.duplicates);
  const { cause, explanation, charged } = decide(input);
  return { charged, cause, explanation, evidence };
}

interface Decision {
  readonly cause: VerdictCause;
  readonly charged: ChargeCount;
  readonly explanation: Bilingual;
}

/** Which of the two came first (the earlier one is the original any repeat is measured against). */
function inOrder(input: VerdictInput): [PaymentRecord, PaymentRecord] {
  const a = input.first.payment;
  const b = input.second.payment;
  // A repeat names its original: that settles the order even when both came in the same millisecond.
  if (b.duplicateOf === a.id) return [a, b];
  if (a.duplicateOf === b.id) return [b, a];
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id <= b.id) ? [a, b] : [b, a];
}

// Long because: one plain list of the causes, in the order they are checked, reads better than a table of closures.
function decide(input: VerdictInput): Decision {
  const [earlier, later] = inOrder(input);
  const both = [earlier, later];
  const charged = countCharges(input.first.payment.id === input.second.payment.id ? [earlier] : both);
  const why = (cause: VerdictCause, zh: string, en: string, count: ChargeCount = charged): Decision => ({
    cause,
    charged: count,
    explanation: { zh, en },
  });
  if (earlier.id === later.id) {
    return why(
      'retransmission',
      `两条记录是同一笔交易 ${earlier.id}：终端用同一个幂等键重发了请求，主机直接返回了保存的应答，没有再次发给发卡行。`,
      `Both are the same payment, ${earlier.id}: the terminal sent the request again under the same idempotency key, and the host answered it from the stored answer without sending it to the issuer again.`,
    );
  }
  const held = both.find((p) => p.status === 'duplicate_suspected');
  if (held !== undefined) {
    const blocked = input.duplicates.some((d) => d.paymentId === held.id && d.resolution === 'blocked');
    return blocked
      ? why(
          'blocked_by_policy',
          `${held.id} 与另一笔同卡、同金额、同终端，按商户的重复交易规则被拦截，从未发给发卡行。`,
          `${held.id} had the same card, amount and terminal as the other and was blocked by the merchant's duplicate policy; it never reached the issuer.`,
        )
      : why(
          'held_by_guard',
          `${held.id} 与另一笔同卡、同金额、同终端且时间相近，被重复交易防护拦下等待操作员确认，从未发给发卡行。`,
          `${held.id} had the same card, amount and terminal as the other within the duplicate window; the duplicate guard held it for the operator's confirmation and it never reached the issuer.`,
        );
  }
  if (later.duplicateConfirmed && later.duplicateOf === earlier.id) {
    const operator = later.operatorId ?? '?';
    return why(
      'confirmed_second_purchase',
      `重复交易防护拦下了第二笔，操作员 ${operator} 确认这是顾客真实的第二次购买，于是发送并扣款。`,
      `The duplicate guard held the second sale, and operator ${operator} confirmed it was a genuine second purchase, so it was sent and charged.`,
    );
  }
  const found = input.duplicates.find((d) => d.source === 'reconciliation');
  if (found !== undefined) {
    return countCharges(both) === 'twice'
      ? why(
          'reconciliation_found',
          `对账发现这两笔是重复扣款（${found.cause ?? found.kind ?? '重复'}），还没有退款：请对后一笔发起退货。`,
          `Reconciliation found these two to be a double charge (${found.cause ?? found.kind ?? 'duplicate'}), not refunded yet: refund the later one.`,
        )
      : why(
          'reconciliation_refunded',
          `对账发现这两笔是重复扣款（${found.cause ?? found.kind ?? '重复'}），多扣的一笔已经退回。`,
          `Reconciliation found these two to be a double charge (${found.cause ?? found.kind ?? 'duplicate'}), and the extra charge was returned.`,
        );
  }
  return decideByStatus(earlier, later, why);
}

function decideByStatus(
  earlier: PaymentRecord,
  later: PaymentRecord,
  why: (cause: VerdictCause, zh: string, en: string) => Decision,
): Decision {
  const both = [earlier, later];
  const with_ = (status: PaymentStatus): PaymentRecord | undefined => both.find((p) => p.status === status);
  const reversed = with_('reversed');
  if (reversed !== undefined)
    return why(
      'reversed',
      `${reversed.id} 的结果未知（终端没有收到应答），已向发卡行冲正，没有扣款。`,
      `${reversed.id} had an unknown outcome (the terminal got no answer) and was reversed at the issuer: it did not charge the card.`,
    );
  const voided = with_('voided');
  if (voided !== undefined)
    return why(
      'voided',
      `${voided.id} 已撤销，没有扣款。`,
      `${voided.id} was voided: it did not charge the card.`,
    );
  const refunded = with_('refunded');
  if (refunded !== undefined)
    return why(
      'refunded',
      `${refunded.id} 已全额退货，钱已退回持卡人。`,
      `${refunded.id} was refunded in full: the money went back to the cardholder.`,
    );
  const declined = with_('declined');
  if (declined !== undefined)
    return why(
      'declined',
      `${declined.id} 被拒绝（应答码 ${declined.responseCode ?? '?'}），没有扣款。`,
      `${declined.id} was declined (response code ${declined.responseCode ?? '?'}): it did not charge the card.`,
    );
  const open = both.find((p) => chargeState[p.status] === 'unknown');
  if (open !== undefined)
    return why(
      'outcome_pending',
      `${open.id} 的结果还不确定（${open.status}）：主机会冲正它，冲正完成前不能确定是否扣款。`,
      `${open.id} has no final outcome yet (${open.status}): the host reverses it, and until that is done the charge is not settled.`,
    );
  if (later.flaggedForReview && later.duplicateOf === earlier.id)
    return why(
      'flagged_for_review',
      '两笔都发给了发卡行并扣款；按商户的重复交易规则，后一笔被标记待复核。如不是顾客本意，请退货。',
      "Both were sent to the issuer and charged; the merchant's duplicate policy flagged the later one for review. Refund it if the customer did not mean to buy twice.",
    );
  const differences = [
    earlier.cardFingerprint !== later.cardFingerprint ? { zh: '卡不同', en: 'different cards' } : null,
    earlier.amount !== later.amount ? { zh: '金额不同', en: 'different amounts' } : null,
    earlier.terminalId !== later.terminalId ? { zh: '终端不同', en: 'different terminals' } : null,
  ].filter((d) => d !== null);
  if (differences.length > 0)
    return why(
      'different_sales',
      `这是两笔不同的交易（${differences.map((d) => d.zh).join('、')}），各扣一次款。`,
      `These are two different sales (${differences.map((d) => d.en).join(', ')}), each charged once.`,
    );
  const apartS = Math.round((later.createdAt - earlier.createdAt) / 1000);
  return why(
    'repeat_outside_guard',
    `同卡、同金额、同终端，两笔相隔 ${apartS} 秒，超出了重复交易防护的时间窗口（或防护已关闭），两笔都扣了款。如不是顾客本意，请对后一笔退货。`,
    `Same card, amount and terminal, ${apartS} s apart: beyond the duplicate window (or with the guard off), so both were charged. Refund the later one if the customer did not mean to buy twice.`,
  );
}
