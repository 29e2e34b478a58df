// The exception kinds of the v1 reconciliation spec (docs/reference/reconciliation-csv.md), each
// with its action, its cause (or how the cause is chosen) and the sentences reports show a
// merchant. The kinds, actions and causes themselves are in kind-rules.ts, which the dashboard
// shares.
import { exceptionKinds, kindRules, type ExceptionKind, type KindRule } from './kind-rules.js';

export {
  actions,
  causes,
  exceptionKinds,
  kindRules,
  type Action,
  type Cause,
  type ExceptionKind,
  type KindRule,
} from './kind-rules.js';

export interface KindInfo extends KindRule {
  readonly title: string;
  /** Chinese name, for the merchant-facing report. */
  readonly titleZh: string;
  readonly when: string;
  readonly why: string;
  readonly whatToDo: string;
  /** What the kind's figure in `amounts` adds up. */
  readonly amountMeaning: string;
}

const kindTexts: Readonly<Record<ExceptionKind, Omit<KindInfo, keyof KindRule>>> = {
  duplicate_settlement: {
    title: 'Settled more than once',
    titleZh: '重复清算',
    when: 'The settlement file holds the same transaction more than once; one exception per extra line.',
    why: 'The acquirer or its processor settled one transaction twice.',
    whatToDo:
      'Claim the extra settlement back from the acquirer and refund the cardholder if they were charged twice.',
    amountMeaning: 'the amount of each extra line',
  },
  reversed_but_settled: {
    title: 'Reversed, voided or declined, yet settled',
    titleZh: '已冲正/撤销/拒绝仍被清算',
    when: 'The host has the sale reversed, voided or declined, yet it was settled.',
    why: 'Reversed: the reversal did not reach the acquirer in time (network). Voided or declined: the acquirer settled it anyway (third party).',
    whatToDo: 'Refund the cardholder or claim the amount back from the acquirer.',
    amountMeaning: 'the settled amount',
  },
  missing_in_settlement: {
    title: 'Approved but not settled',
    titleZh: '已批准未清算',
    when: 'The host approved a sale (not reversed, voided or fully refunded), or a refund, that no settlement line carries.',
    why: 'The acquirer left it out of the settlement.',
    whatToDo: 'Ask the acquirer when it will be settled.',
    amountMeaning: 'the host amount',
  },
  unknown_in_settlement: {
    title: 'Settled, unknown to the host',
    titleZh: '清算有而主机无',
    when: 'A settlement line matches no host transaction.',
    why: 'The acquirer settled something posguard never approved (another system, another day, or an error).',
    whatToDo: 'Investigate the line with the acquirer.',
    amountMeaning: 'the settled amount',
  },
  amount_mismatch: {
    title: 'Settled amount differs',
    titleZh: '金额不符',
    when: 'The settlement line matches, but its amount (or currency) differs from the host amount.',
    why: 'A system changed the amount on the way (software).',
    whatToDo: 'Investigate which amount is right and correct it with the acquirer.',
    amountMeaning: 'the difference between settled and host amounts',
  },
  duplicate_sale_suspect: {
    title: 'Suspected duplicate sale',
    titleZh: '疑似重复消费',
    when: 'Two approved, settled sales with the same card, amount and terminal within the duplicate window, the later not confirmed by the operator; one exception for the later sale.',
    why: 'Both cards read (chip, swipe, contactless) less than 15 s apart: the terminal or reader sent it twice (hardware). Otherwise the operator ran the sale again (operator).',
    whatToDo: 'Review with the cardholder; refund the later sale if it was not meant.',
    amountMeaning: 'the amount of the later sale',
  },
  terminal_display_duplicate: {
    title: 'Shown twice on the terminal only',
    titleZh: '终端重复显示',
    when: 'The terminal journal lists the same transaction more than once while the host holds it once.',
    why: 'The terminal software listed it twice; the card was charged once.',
    whatToDo: 'Nothing to refund; tell the cardholder it was charged once.',
    amountMeaning: 'nothing: no money moved twice',
  },
  terminal_only: {
    title: 'Approved on the terminal only',
    titleZh: '仅终端显示成功',
    when: 'The terminal shows an approved transaction that the host does not hold as approved.',
    why: 'The terminal showed an approval the host never gave (software).',
    whatToDo: 'Investigate: the goods may have left without payment.',
    amountMeaning: 'the amount the terminal shows',
  },
  host_only_approved: {
    title: 'Approved on the host only',
    titleZh: '仅主机批准',
    when: 'The host approved a sale that the terminal shows as declined, reversed or unknown.',
    why: 'The answer was lost on the way back to the terminal (network); the operator may have run the sale again.',
    whatToDo: 'Review: if the sale was run again, refund one of the two.',
    amountMeaning: 'the host amount',
  },
};

export const kindInfo: Readonly<Record<ExceptionKind, KindInfo>> = Object.fromEntries(
  exceptionKinds.map((kind) => [kind, { ...kindRules[kind], ...kindTexts[kind] }]),
) as Record<ExceptionKind, KindInfo>;

/** Zero for every kind: the shape `exceptions` and `amounts` take in the summary. */
export function zeroPerKind(): Record<ExceptionKind, number> {
  return Object.fromEntries(exceptionKinds.map((k) => [k, 0])) as Record<ExceptionKind, number>;
}
