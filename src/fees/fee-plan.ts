// The fee plan model: what a POS costs one merchant. A plan is a list of versions, each effective
// from a local day until the next one starts; a change is a new version, so the past is never
// rewritten (each version records who made it and when). Rates are whole parts per million of the
// amount (6000 ppm = 0.60%), never floats; money is whole fen.
import { assert } from '../assert.js';

/** The rate keys a plan prices: three card kinds over the card channel, and QR codes. */
export const rateKeys = ['debit', 'credit', 'qr', 'foreign'] as const;
export type RateKey = (typeof rateKeys)[number];

/** What a BIN (or the caller) says a card is; "unknown" is priced at the plan's highest rate. */
export const cardKinds = ['debit', 'credit', 'foreign', 'unknown'] as const;
export type CardKind = (typeof cardKinds)[number];

export const ppmPerUnit = 1_000_000;

export interface Rate {
  /** Parts per million of the amount: 6000 is 0.60%. */
  readonly ratePpm: number;
  /** The most one transaction pays under this rate, in fen. */
  readonly capFen?: number;
  /** The least one transaction pays under this rate, in fen. */
  readonly minimumFen?: number;
}

export interface BilingualText {
  readonly zh: string;
  readonly en: string;
}

/** A fixed amount added to every sale, with its name (for instance instant settlement, 秒到). */
export interface AddOn {
  readonly name: BilingualText;
  readonly feeFen: number;
  /** True when the add-on buys same-day (D0) settlement instead of T+1. */
  readonly instantSettlement: boolean;
}

/** A yearly fee charged on its billing day (`MM-DD`). */
export interface YearlyFee {
  readonly feeFen: number;
  readonly billingDay: string;
}

export interface ActivationRefundRule {
  /** Returned once the merchant's settled volume reaches this many fen... */
  readonly volumeFen: number;
  /** ...within this many days of the plan's first day (that day counting as day 1). */
  readonly withinDays: number;
}

export interface Activation {
  readonly feeFen: number;
  readonly refund?: ActivationRefundRule;
}

export interface FeePlanVersion {
  /** 1, 2, 3...: the order versions were made in. */
  readonly version: number;
  /** The first local day (`YYYY-MM-DD`) this version prices. */
  readonly effectiveFrom: string;
  /** Who made this version (an operator id). */
  readonly changedBy: string;
  /** When it was made, ISO 8601 with offset; never after the version's first day. */
  readonly changedAt: string;
  readonly rates: Readonly<Record<RateKey, Rate>>;
  readonly addOn?: AddOn;
  readonly annualFee?: YearlyFee;
  readonly simFee?: YearlyFee;
  /** The operator's acknowledgement that some rate is below the acquirer's worst-case cost. */
  readonly belowCost: boolean;
}

export interface FeePlan {
  readonly merchantId: string;
  /** The device's price, charged once on the first version's first day. */
  readonly devicePriceFen: number;
  /** The activation fee, charged once on the first version's first day. */
  readonly activation: Activation;
  /** Oldest first; each starts after the one before. */
  readonly versions: readonly FeePlanVersion[];
}

/** A version with its days as numbers, for the pricing loop. */
export interface CompiledVersion {
  readonly source: FeePlanVersion;
  readonly fromDay: number;
  /** Indexed by rate key position in `rateKeys`. */
  readonly ratePpm: Float64Array;
  /** Infinity where there is no cap. */
  readonly capFen: Float64Array;
  readonly minimumFen: Float64Array;
  /** The rate key unknown cards are priced at: the highest rate (the first of equals). */
  readonly highestKey: number;
  readonly addOnFen: number;
  readonly instantSettlement: boolean;
}

export interface CompiledPlan {
  readonly plan: FeePlan;
  readonly firstDay: number;
  readonly versions: readonly CompiledVersion[];
}

/** Compiles a validated plan (see fee-plan-file.ts): days parsed once, rates into arrays. */
export function compilePlan(plan: FeePlan, parseDay: (text: string) => number | undefined): CompiledPlan {
  assert(plan.versions.length > 0, 'a validated plan has at least one version');
  const versions = plan.versions.map((source): CompiledVersion => {
    const fromDay = parseDay(source.effectiveFrom);
    assert(fromDay !== undefined, 'a validated version has a valid effectiveFrom');
    const ratePpm = new Float64Array(rateKeys.length);
    const capFen = new Float64Array(rateKeys.length);
    const minimumFen = new Float64Array(rateKeys.length);
    let highestKey = 0;
    rateKeys.forEach((key, index) => {
      const rate = source.rates[key];
      ratePpm[index] = rate.ratePpm;
      capFen[index] = rate.capFen ?? Infinity;
      minimumFen[index] = rate.minimumFen ?? 0;
      if (rate.ratePpm > (ratePpm[highestKey] ?? 0)) highestKey = index;
    });
    return {
      source,
      fromDay,
      ratePpm,
      capFen,
      minimumFen,
      highestKey,
      addOnFen: source.addOn?.feeFen ?? 0,
      instantSettlement: source.addOn?.instantSettlement ?? false,
    };
  });
  const first = versions[0];
  assert(first !== undefined, 'checked above');
  return { plan, firstDay: first.fromDay, versions };
}

/** The version in effect on a day, or -1 before the plan's first day. Versions are few: a scan. */
export function versionIndexOn(plan: CompiledPlan, day: number): number {
  const versions = plan.versions;
  for (let index = versions.length - 1; index >= 0; index -= 1) {
    if ((versions[index]?.fromDay ?? Infinity) <= day) return index;
  }
  return -1;
}
