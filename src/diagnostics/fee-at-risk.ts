// What one duplicate charge costs the merchant in fees (issue 14): the fee its plan takes on a sale
// of that amount, by the plan's latest version (docs/fees.md). A card's kind is not known here (the
// BIN table is not read), so a card sale is priced at the plan's highest card rate, as the fee core
// prices an unknown card: the figure is what is at risk, not what a statement will say.
import { roundProductHalfUp, type FeePlan } from '../fees/index.js';

const ppm = 1_000_000;

/** The fee in fen of a sale of `amountFen` on `channel` under `plan`; undefined without a version. */
export function saleFeeFen(plan: FeePlan, amountFen: number, channel: 'card' | 'qr'): number | undefined {
  const version = plan.versions.at(-1);
  if (version === undefined) return undefined;
  const { debit, credit, foreign, qr } = version.rates;
  const rate =
    channel === 'qr' ? qr : [debit, credit, foreign].reduce((a, b) => (b.ratePpm > a.ratePpm ? b : a));
  let fee = roundProductHalfUp(amountFen, rate.ratePpm, ppm);
  if (rate.minimumFen !== undefined) fee = Math.max(fee, rate.minimumFen);
  if (rate.capFen !== undefined) fee = Math.min(fee, rate.capFen);
  return fee + (version.addOn?.feeFen ?? 0);
}
