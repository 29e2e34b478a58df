// Statement lines: one per priced transaction (and per plan charge, see plan-charges.ts), each
// with its transaction id and an explanation in zh-CN and en naming the plan version, the rate and
// the cap or minimum that applied, so a merchant can check every fen.
import { formatMajorUnits } from '../money/money.js';
import { formatPercent } from './bank-card-ceilings.js';
import {
  cardKinds,
  rateKeys,
  type BilingualText,
  type CardKind,
  type CompiledPlan,
  type RateKey,
} from './fee-plan.js';
import type { FeeTransaction } from './fee-transaction.js';
import { formatDay } from './local-day.js';
import { boundCap, boundMinimum, type PricedColumns } from './price-columns.js';
import type { TransactionColumns } from './fee-transaction.js';

export type TransactionLineKind =
  | 'sale-fee'
  | 'fee-returned-on-void'
  | 'fee-returned-on-reversal'
  | 'fee-returned-on-refund'
  | 'fee-returned-on-duplicate';

export type PlanChargeKind = 'device' | 'activation-fee' | 'activation-refund' | 'annual-fee' | 'sim-fee';

export interface FeeLine {
  /** The transaction id, or the charge's name and day for a plan charge (`annual-fee:2026-03-15`). */
  readonly lineId: string;
  readonly transactionId: string | null;
  readonly terminalId: string | null;
  readonly day: string;
  readonly lineKind: TransactionLineKind | PlanChargeKind;
  /** The transaction's amount; null on plan charges. */
  readonly amountFen: number | null;
  /** Signed: charged (> 0) or returned (< 0). */
  readonly feeFen: number;
  readonly planVersion: number;
  readonly originalId: string | null;
  readonly rateKey: RateKey | null;
  readonly cardKind: CardKind | null;
  readonly ratePpm: number | null;
  readonly bound: 'cap' | 'minimum' | null;
  readonly addOnFen: number;
  readonly unknownCard: boolean;
  readonly aboveCappedFees: boolean;
  readonly explanation: BilingualText;
}

const rateName: Record<RateKey, BilingualText> = {
  debit: { zh: '借记卡', en: 'debit card' },
  credit: { zh: '贷记卡', en: 'credit card' },
  qr: { zh: '扫码', en: 'QR code' },
  foreign: { zh: '境外卡', en: 'foreign card' },
};

export const yuan = (fen: number): string => formatMajorUnits(fen, 'CNY');

export interface LinesOptions {
  readonly columns: TransactionColumns;
  readonly priced: PricedColumns;
  readonly records: readonly FeeTransaction[];
  readonly plan: CompiledPlan;
  /** Rows to turn into lines (already filtered by merchant, terminal and days). */
  readonly rows: readonly number[];
  readonly debitCappedFeesFen: number;
}

export function transactionLines(options: LinesOptions): FeeLine[] {
  return options.rows.map((row) => transactionLine(options, row));
}

function transactionLine(options: LinesOptions, row: number): FeeLine {
  const { columns, priced, records, plan } = options;
  const record = records[row]!;
  const sale = columns.original[row]! < 0 ? row : columns.original[row]!;
  const saleRecord = records[sale]!;
  const version = plan.versions[priced.version[row]!]!;
  const key = rateKeys[priced.rateKey[row]!]!;
  const cardKind = columns.channel[sale] === 1 ? null : cardKinds[columns.cardKind[sale]!]!;
  const bound: FeeLine['bound'] =
    priced.bound[sale] === boundCap ? 'cap' : priced.bound[sale] === boundMinimum ? 'minimum' : null;
  const feeFen = priced.feeFen[row]!;
  const lineKind = lineKindOf(record);
  const base = {
    lineId: record.id,
    transactionId: record.id,
    terminalId: record.terminalId,
    day: formatDay(columns.day[row]!),
    lineKind,
    amountFen: record.amountFen,
    feeFen,
    planVersion: version.source.version,
    originalId: record.originalId ?? null,
    rateKey: key,
    cardKind,
    ratePpm: version.ratePpm[priced.rateKey[row]!]!,
    bound,
    addOnFen: lineKind === 'sale-fee' ? priced.addOnFen[row]! : 0,
    unknownCard: cardKind === 'unknown',
    aboveCappedFees: priced.aboveCappedFees[row] === 1,
  };
  const v = `${version.source.version}`;
  const returned = yuan(-feeFen);
  let explanation: BilingualText;
  switch (lineKind) {
    case 'sale-fee':
      explanation = saleExplanation(
        base,
        version.source.addOn?.name,
        options.debitCappedFeesFen,
        version.capFen[priced.rateKey[row]!]!,
        version.minimumFen[priced.rateKey[row]!]!,
      );
      break;
    case 'fee-returned-on-void':
      explanation = {
        zh: `撤销原交易 ${saleRecord.id}：全额退还手续费 ${returned} 元（费率方案第${v}版）。`,
        en: `Void of sale ${saleRecord.id}: the whole fee, ${returned} CNY, returned (plan version ${v}).`,
      };
      break;
    case 'fee-returned-on-reversal':
      explanation = {
        zh: `冲正原交易 ${saleRecord.id}：全额退还手续费 ${returned} 元（费率方案第${v}版）。`,
        en: `Reversal of sale ${saleRecord.id}: the whole fee, ${returned} CNY, returned (plan version ${v}).`,
      };
      break;
    case 'fee-returned-on-refund':
      explanation = {
        zh: `退货 ${yuan(record.amountFen)} 元（原交易 ${saleRecord.id}，${yuan(saleRecord.amountFen)} 元，手续费 ${yuan(priced.feeFen[sale]!)} 元）：按退货金额比例退还手续费 ${returned} 元，按累计退货金额计算，四舍五入到分（费率方案第${v}版）。`,
        en: `Refund of ${yuan(record.amountFen)} CNY of sale ${saleRecord.id} (${yuan(saleRecord.amountFen)} CNY, fee ${yuan(priced.feeFen[sale]!)} CNY): fee returned in proportion, ${returned} CNY, computed on the refunds so far and rounded half up to the fen (plan version ${v}).`,
      };
      break;
    case 'fee-returned-on-duplicate':
      explanation = {
        zh: `重复扣款退还手续费：原交易 ${saleRecord.id} 为重复扣款，对账后已退款 ${yuan(record.amountFen)} 元，退还手续费 ${returned} 元（费率方案第${v}版）。`,
        en: `Fee returned on duplicate: sale ${saleRecord.id} was a duplicate charge that reconciliation refunded (${yuan(record.amountFen)} CNY); ${returned} CNY of fee returned (plan version ${v}).`,
      };
      break;
  }
  return { ...base, explanation };
}

function lineKindOf(record: FeeTransaction): TransactionLineKind {
  switch (record.kind) {
    case 'sale':
      return 'sale-fee';
    case 'void':
      return 'fee-returned-on-void';
    case 'reversal':
      return 'fee-returned-on-reversal';
    case 'refund':
      return record.duplicateRefunded === true ? 'fee-returned-on-duplicate' : 'fee-returned-on-refund';
  }
}

interface SaleFacts {
  readonly transactionId: string | null;
  readonly amountFen: number | null;
  readonly feeFen: number;
  readonly planVersion: number;
  readonly rateKey: RateKey;
  readonly ratePpm: number;
  readonly bound: 'cap' | 'minimum' | null;
  readonly addOnFen: number;
  readonly unknownCard: boolean;
  readonly aboveCappedFees: boolean;
}

function saleExplanation(
  f: SaleFacts,
  addOnName: BilingualText | undefined,
  cappedFen: number,
  capFen: number,
  minimumFen: number,
): BilingualText {
  const name = rateName[f.rateKey];
  const amount = yuan(f.amountFen ?? 0);
  const rateFee = f.feeFen - f.addOnFen;
  const zh: string[] = [];
  const en: string[] = [];
  if (f.unknownCard) {
    zh.push(`卡种未知（BIN 不在卡表中），按方案最高费率（${name.zh}）计费。`);
    en.push(`Card kind unknown (BIN not in the table): priced at the plan's highest rate (${name.en}). `);
  }
  zh.push(
    `交易 ${f.transactionId}，${amount} 元，费率方案第${f.planVersion}版，${name.zh}费率 ${formatPercent(f.ratePpm)}`,
  );
  en.push(
    `Sale ${f.transactionId}, ${amount} CNY, plan version ${f.planVersion}, ${name.en} rate ${formatPercent(f.ratePpm)}`,
  );
  if (f.bound === 'cap') {
    zh.push(`，封顶 ${yuan(capFen)} 元`);
    en.push(`, capped at ${yuan(capFen)} CNY`);
  } else if (f.bound === 'minimum') {
    zh.push(`，不足最低收费，按 ${yuan(minimumFen)} 元`);
    en.push(`, raised to the minimum of ${yuan(minimumFen)} CNY`);
  }
  zh.push(`：手续费 ${yuan(rateFee)} 元`);
  en.push(`: fee ${yuan(rateFee)} CNY`);
  if (f.addOnFen > 0 && addOnName !== undefined) {
    zh.push(`，另加${addOnName.zh} ${yuan(f.addOnFen)} 元，合计 ${yuan(f.feeFen)} 元`);
    en.push(`, plus ${addOnName.en} ${yuan(f.addOnFen)} CNY, ${yuan(f.feeFen)} CNY in all`);
  }
  zh.push('。');
  en.push('.');
  if (f.aboveCappedFees) {
    zh.push(
      `该笔借记卡手续费高于封顶的发卡行服务费与网络服务费合计 ${yuan(cappedFen)} 元（发改价格〔2016〕557号）。`,
    );
    en.push(
      ` This debit fee is above the ${yuan(cappedFen)} CNY that the capped issuer and network fees come to (发改价格〔2016〕557号).`,
    );
  }
  return { zh: zh.join(''), en: en.join('') };
}
