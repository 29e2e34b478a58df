// The Chinese bank-card pricing ceilings, as data with their sources (docs/fees.md quotes them).
// Since the 2016 reform the acquirer pays, out of the merchant's rate, the issuer's service fee and
// its half of the network (UnionPay) fee; both have ceilings, so the worst case is known. A plan
// charging less than that worst case is below cost for the acquirer.

export interface CeilingSource {
  readonly title: BilingualTitle;
  readonly reference: string;
  readonly effectiveFrom: string;
}

interface BilingualTitle {
  readonly zh: string;
  readonly en: string;
}

export interface FeeCeiling {
  /** The highest rate, in parts per million of the amount. */
  readonly maxRatePpm: number;
  /** The most one transaction can be charged, in fen; absent where there is no cap. */
  readonly capFen?: number;
}

export interface BankCardCeilings {
  readonly source: CeilingSource;
  /** The issuer's service fee (发卡行服务费), by card kind. */
  readonly issuerServiceFee: { readonly debit: FeeCeiling; readonly credit: FeeCeiling };
  /** The acquirer's half of the network service fee (网络服务费), whatever the card kind. */
  readonly networkServiceFee: FeeCeiling;
}

export const bankCardCeilings2016: BankCardCeilings = {
  source: {
    title: {
      zh: '国家发展改革委 中国人民银行关于完善银行卡刷卡手续费定价机制的通知',
      en: 'NDRC and PBOC notice on improving the pricing of bank card transaction fees',
    },
    reference: '发改价格〔2016〕557号',
    effectiveFrom: '2016-09-06',
  },
  // 借记卡不超过交易金额的0.35%，单笔收费金额不超过13元；贷记卡不超过0.45%.
  issuerServiceFee: {
    debit: { maxRatePpm: 3500, capFen: 1300 },
    credit: { maxRatePpm: 4500 },
  },
  // 网络服务费不超过0.065%，由发卡、收单机构各承担50%（各不超过0.0325%），单笔各不超过3.25元.
  networkServiceFee: { maxRatePpm: 325, capFen: 325 },
};

/** The ceilings' worst case for one card kind: the issuer's and the network's fee added. */
export interface WorstCaseCost {
  /** The rate the two ceilings add up to below their caps. */
  readonly ratePpm: number;
  /** What the two capped fees come to on a large sale; Infinity where the issuer fee is uncapped. */
  readonly cappedFen: number;
}

export function worstCaseCost(ceilings: BankCardCeilings, kind: 'debit' | 'credit'): WorstCaseCost {
  const issuer = ceilings.issuerServiceFee[kind];
  const network = ceilings.networkServiceFee;
  return {
    ratePpm: issuer.maxRatePpm + network.maxRatePpm,
    cappedFen: (issuer.capFen ?? Infinity) + (network.capFen ?? Infinity),
  };
}

/** A ppm rate as a percentage with at least two and at most four decimals: 325 gives "0.0325%". */
export function formatPercent(ratePpm: number): string {
  const whole = Math.floor(ratePpm / 10_000);
  let fraction = String(ratePpm % 10_000).padStart(4, '0');
  while (fraction.length > 2 && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${whole}.${fraction}%`;
}
