// Reads a fee plan from its JSON file (or an already parsed value, for the HTTP API) into a
// validated `FeePlan`, reporting every problem at once with the field's path. Order of checks:
// the shape (types, negative values, unknown card kinds, fractional numbers), then the versions'
// order (overlaps), then the past (a version made after it started), then cost (below the bank
// card ceilings without `belowCost`). Each stage is its own error code.
import { PosError, describeValue, type FieldProblem } from '../pos-error.js';
import { maxAmountMinor } from '../money/money.js';
import {
  bankCardCeilings2016,
  formatPercent,
  worstCaseCost,
  type BankCardCeilings,
} from './bank-card-ceilings.js';
import {
  rateKeys,
  type Activation,
  type AddOn,
  type FeePlan,
  type FeePlanVersion,
  type Rate,
  type YearlyFee,
} from './fee-plan.js';
import { chinaUtcOffsetMinutes, formatDay, localDayOf, parseDay } from './local-day.js';

/** A plan file is small; anything larger is refused before parsing. */
export const maxPlanFileBytes = 1024 * 1024;
/** A plan keeps every version it ever had; this bounds one file. */
export const maxPlanVersions = 1000;
const maxRatePpm = 1_000_000;
const maxRefundWindowDays = 3660;
/** Where the reader puts a number written with a fraction or an exponent, so its path can be named. */
const fractionMarker = '$posguardFraction';

export interface ReadPlanOptions {
  readonly ceilings?: BankCardCeilings;
  readonly utcOffsetMinutes?: number;
}

/** Parses and validates a plan file's text. */
export function readFeePlanFile(text: string, options: ReadPlanOptions = {}): FeePlan {
  if (Buffer.byteLength(text, 'utf8') > maxPlanFileBytes) {
    throw new PosError(
      'POS_ERR_FEES_PLAN_INVALID',
      `invalid fee plan: the file is larger than ${maxPlanFileBytes} bytes`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(markFractions(text));
  } catch (cause) {
    throw new PosError('POS_ERR_FEES_PLAN_INVALID', 'invalid fee plan: the file is not valid JSON', {
      cause,
    });
  }
  return validateFeePlan(value, options);
}

/**
 * JSON.parse reads 6000.0 and 6000 alike, but a rate written with a decimal point is a float in
 * the file and is refused: every number token with a fraction or exponent (outside strings) is
 * wrapped in a marker object that the validator reports with its path.
 */
function markFractions(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) =>
    token.startsWith('"') || !/[.eE]/.test(token) ? token : `{"${fractionMarker}":"${token}"}`,
  );
}

/** Validates a parsed plan: every problem at once, then overlaps, the past and cost. */
export function validateFeePlan(value: unknown, options: ReadPlanOptions = {}): FeePlan {
  const reader = new FieldReader();
  const plan = reader.plan(value);
  if (reader.problems.length > 0 || plan === undefined) {
    throw PosError.invalidInput('POS_ERR_FEES_PLAN_INVALID', 'fee plan', reader.problems);
  }
  checkVersionOrder(plan);
  checkPastNotRewritten(plan, options.utcOffsetMinutes ?? chinaUtcOffsetMinutes);
  checkCost(plan, options.ceilings ?? bankCardCeilings2016);
  return plan;
}

function checkVersionOrder(plan: FeePlan): void {
  const problems: FieldProblem[] = [];
  plan.versions.forEach((version, index) => {
    if (version.version !== index + 1) {
      problems.push({
        field: `versions[${index}].version`,
        expected: `${index + 1} (versions are numbered 1, 2, 3... in the order they were made)`,
        actual: String(version.version),
      });
    }
    const before = plan.versions[index - 1];
    if (
      before !== undefined &&
      (parseDay(version.effectiveFrom) ?? 0) <= (parseDay(before.effectiveFrom) ?? 0)
    ) {
      problems.push({
        field: `versions[${index}].effectiveFrom`,
        expected: `a day after version ${before.version}'s ${before.effectiveFrom} (versions may not overlap)`,
        actual: version.effectiveFrom,
      });
    }
  });
  if (problems.length > 0)
    throw PosError.invalidInput('POS_ERR_FEES_PLAN_OVERLAP', 'fee plan versions', problems);
}

/** A version after the first must be made before its first day: fees already priced stay as they were. */
function checkPastNotRewritten(plan: FeePlan, utcOffsetMinutes: number): void {
  const problems: FieldProblem[] = [];
  plan.versions.forEach((version, index) => {
    if (index === 0) return;
    const madeOn = localDayOf(Date.parse(version.changedAt), utcOffsetMinutes);
    if (madeOn >= (parseDay(version.effectiveFrom) ?? 0)) {
      problems.push({
        field: `versions[${index}].effectiveFrom`,
        expected: `a day after the version was made (${formatDay(madeOn)}): a change never rewrites the past`,
        actual: version.effectiveFrom,
      });
    }
  });
  if (problems.length > 0)
    throw PosError.invalidInput('POS_ERR_FEES_PLAN_REWRITES_PAST', 'fee plan versions', problems);
}

/** The below-cost check against the ceilings (docs/fees.md): both figures named. */
function checkCost(plan: FeePlan, ceilings: BankCardCeilings): void {
  const problems: FieldProblem[] = [];
  plan.versions.forEach((version, index) => {
    if (version.belowCost) return;
    for (const kind of ['debit', 'credit'] as const) {
      const rate = version.rates[kind];
      const cost = worstCaseCost(ceilings, kind);
      const path = `versions[${index}].rates.${kind}`;
      const why = `${ceilings.source.reference}: issuer ≤ ${formatPercent(ceilings.issuerServiceFee[kind].maxRatePpm)}, network ≤ ${formatPercent(ceilings.networkServiceFee.maxRatePpm)}`;
      if (rate.ratePpm < cost.ratePpm) {
        problems.push({
          field: `${path}.ratePpm`,
          expected: `at least ${cost.ratePpm} ppm (${formatPercent(cost.ratePpm)}, the ceilings' worst case; ${why}) or belowCost: true`,
          actual: `${rate.ratePpm} ppm (${formatPercent(rate.ratePpm)})`,
        });
      }
      if (rate.capFen !== undefined && rate.capFen < cost.cappedFen) {
        problems.push({
          field: `${path}.capFen`,
          expected: `${cost.cappedFen === Infinity ? 'no cap (the issuer fee on credit cards has none' : `at least ${cost.cappedFen} fen (the capped fees together`}; ${why}) or belowCost: true`,
          actual: `${rate.capFen} fen`,
        });
      }
    }
  });
  if (problems.length > 0)
    throw PosError.invalidInput('POS_ERR_FEES_PLAN_BELOW_COST', 'fee plan (below cost)', problems);
}

type Json = Readonly<Record<string, unknown>>;

/** Reads fields, collecting problems rather than stopping at the first. */
class FieldReader {
  readonly problems: FieldProblem[] = [];

  plan(value: unknown): FeePlan | undefined {
    const root = this.object(value, '(file)', [
      'format',
      'merchantId',
      'currency',
      'devicePriceFen',
      'activation',
      'versions',
    ]);
    if (root === undefined) return undefined;
    if (root['format'] !== 'posguard-fee-plan/1')
      this.problem('format', '"posguard-fee-plan/1"', root['format']);
    if (root['currency'] !== 'CNY') this.problem('currency', '"CNY" (fees are in fen)', root['currency']);
    const merchantId = this.text(root['merchantId'], 'merchantId', 64);
    const devicePriceFen = this.whole(root['devicePriceFen'], 'devicePriceFen', maxAmountMinor);
    const activation = this.activation(root['activation'], 'activation');
    const versionsValue = root['versions'];
    if (
      !Array.isArray(versionsValue) ||
      versionsValue.length === 0 ||
      versionsValue.length > maxPlanVersions
    ) {
      this.problem('versions', `a list of 1 to ${maxPlanVersions} versions`, versionsValue);
      return undefined;
    }
    const versions = versionsValue.map((v: unknown, i) => this.version(v, `versions[${i}]`));
    if (merchantId === undefined || devicePriceFen === undefined || activation === undefined)
      return undefined;
    if (versions.some((v) => v === undefined)) return undefined;
    return { merchantId, devicePriceFen, activation, versions: versions as FeePlanVersion[] };
  }

  version(value: unknown, path: string): FeePlanVersion | undefined {
    const keys = [
      'version',
      'effectiveFrom',
      'changedBy',
      'changedAt',
      'rates',
      'addOn',
      'annualFee',
      'simFee',
      'belowCost',
    ];
    const v = this.object(value, path, keys);
    if (v === undefined) return undefined;
    const version = this.whole(v['version'], `${path}.version`, maxPlanVersions);
    const effectiveFrom = this.day(v['effectiveFrom'], `${path}.effectiveFrom`);
    const changedBy = this.text(v['changedBy'], `${path}.changedBy`, 128);
    const changedAt = this.instant(v['changedAt'], `${path}.changedAt`);
    const rates = this.rates(v['rates'], `${path}.rates`);
    const addOn = v['addOn'] === undefined ? null : this.addOn(v['addOn'], `${path}.addOn`);
    const annualFee = v['annualFee'] === undefined ? null : this.yearly(v['annualFee'], `${path}.annualFee`);
    const simFee = v['simFee'] === undefined ? null : this.yearly(v['simFee'], `${path}.simFee`);
    const belowCost = v['belowCost'] ?? false;
    if (typeof belowCost !== 'boolean') this.problem(`${path}.belowCost`, 'true or false', belowCost);
    if (
      version === undefined ||
      effectiveFrom === undefined ||
      changedBy === undefined ||
      changedAt === undefined
    )
      return undefined;
    if (rates === undefined || addOn === undefined || annualFee === undefined || simFee === undefined)
      return undefined;
    return {
      version,
      effectiveFrom,
      changedBy,
      changedAt,
      rates,
      belowCost: belowCost === true,
      ...(addOn === null ? {} : { addOn }),
      ...(annualFee === null ? {} : { annualFee }),
      ...(simFee === null ? {} : { simFee }),
    };
  }

  rates(value: unknown, path: string): Record<(typeof rateKeys)[number], Rate> | undefined {
    const r = this.object(value, path, rateKeys, 'a card kind (debit, credit, qr or foreign)');
    if (r === undefined) return undefined;
    const entries = rateKeys.map((key) => [key, this.rate(r[key], `${path}.${key}`)] as const);
    if (entries.some(([, rate]) => rate === undefined)) return undefined;
    return Object.fromEntries(entries) as Record<(typeof rateKeys)[number], Rate>;
  }

  rate(value: unknown, path: string): Rate | undefined {
    const r = this.object(value, path, ['ratePpm', 'capFen', 'minimumFen']);
    if (r === undefined) return undefined;
    const ratePpm = this.whole(r['ratePpm'], `${path}.ratePpm`, maxRatePpm);
    const capFen =
      r['capFen'] === undefined ? null : this.whole(r['capFen'], `${path}.capFen`, maxAmountMinor);
    const minimumFen =
      r['minimumFen'] === undefined
        ? null
        : this.whole(r['minimumFen'], `${path}.minimumFen`, maxAmountMinor);
    if (ratePpm === undefined || capFen === undefined || minimumFen === undefined) return undefined;
    if (capFen !== null && minimumFen !== null && minimumFen > capFen) {
      this.problem(`${path}.minimumFen`, `at most the cap (${capFen} fen)`, minimumFen);
      return undefined;
    }
    return {
      ratePpm,
      ...(capFen === null ? {} : { capFen }),
      ...(minimumFen === null ? {} : { minimumFen }),
    };
  }

  addOn(value: unknown, path: string): AddOn | undefined {
    const a = this.object(value, path, ['name', 'feeFen', 'instantSettlement']);
    if (a === undefined) return undefined;
    const name = this.object(a['name'], `${path}.name`, ['zh', 'en']);
    const zh = name === undefined ? undefined : this.text(name['zh'], `${path}.name.zh`, 64);
    const en = name === undefined ? undefined : this.text(name['en'], `${path}.name.en`, 64);
    const feeFen = this.whole(a['feeFen'], `${path}.feeFen`, maxAmountMinor);
    const instantSettlement = a['instantSettlement'] ?? false;
    if (typeof instantSettlement !== 'boolean')
      this.problem(`${path}.instantSettlement`, 'true or false', instantSettlement);
    if (zh === undefined || en === undefined || feeFen === undefined) return undefined;
    return { name: { zh, en }, feeFen, instantSettlement: instantSettlement === true };
  }

  yearly(value: unknown, path: string): YearlyFee | undefined {
    const y = this.object(value, path, ['feeFen', 'billingDay']);
    if (y === undefined) return undefined;
    const feeFen = this.whole(y['feeFen'], `${path}.feeFen`, maxAmountMinor);
    const billingDay = y['billingDay'];
    // 02-29 is refused: a fee billed on it would skip three years in four.
    const valid =
      typeof billingDay === 'string' &&
      billingDay !== '02-29' &&
      parseDay(`2001-${billingDay}`) !== undefined;
    if (!valid) this.problem(`${path}.billingDay`, 'a day of the year as MM-DD (not 02-29)', billingDay);
    if (feeFen === undefined || !valid) return undefined;
    return { feeFen, billingDay };
  }

  activation(value: unknown, path: string): Activation | undefined {
    const a = this.object(value, path, ['feeFen', 'refund']);
    if (a === undefined) return undefined;
    const feeFen = this.whole(a['feeFen'], `${path}.feeFen`, maxAmountMinor);
    if (a['refund'] === undefined) return feeFen === undefined ? undefined : { feeFen };
    const r = this.object(a['refund'], `${path}.refund`, ['volumeFen', 'withinDays']);
    const volumeFen =
      r === undefined
        ? undefined
        : this.whole(r['volumeFen'], `${path}.refund.volumeFen`, Number.MAX_SAFE_INTEGER);
    const withinDays =
      r === undefined
        ? undefined
        : this.whole(r['withinDays'], `${path}.refund.withinDays`, maxRefundWindowDays, 1);
    if (feeFen === undefined || volumeFen === undefined || withinDays === undefined) return undefined;
    return { feeFen, refund: { volumeFen, withinDays } };
  }

  object(value: unknown, path: string, known: readonly string[], what = 'a known field'): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || fractionMarker in value) {
      this.problem(path, 'an object', value);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key))
        this.problems.push({
          field: `${path}.${key}`,
          expected: `${what}: one of ${known.join(', ')}`,
          actual: JSON.stringify(key),
        });
    }
    return value as Json;
  }

  whole(value: unknown, path: string, max: number, min = 0): number | undefined {
    if (typeof value === 'object' && value !== null && fractionMarker in value) {
      const written = String((value as Json)[fractionMarker]);
      this.problems.push({
        field: path,
        expected: 'a whole number (fen, or ppm for rates: 0.60% is 6000), never a float',
        actual: `${written} (a number with a decimal point or exponent)`,
      });
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problem(path, `a whole number from ${min} to ${max}`, value);
      return undefined;
    }
    return value;
  }

  text(value: unknown, path: string, maxLength: number): string | undefined {
    if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) {
      this.problem(path, `text of 1 to ${maxLength} characters`, value);
      return undefined;
    }
    return value;
  }

  day(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string' || parseDay(value) === undefined) {
      this.problem(path, 'a date YYYY-MM-DD', value);
      return undefined;
    }
    return value;
  }

  instant(value: unknown, path: string): string | undefined {
    const valid =
      typeof value === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
      Number.isFinite(Date.parse(value));
    if (!valid) {
      this.problem(path, 'an ISO 8601 time with offset, like 2026-03-01T09:00:00+08:00', value);
      return undefined;
    }
    return value;
  }

  problem(field: string, expected: string, actual: unknown): void {
    this.problems.push({ field, expected, actual: describeValue(actual) });
  }
}

export interface AddVersionOptions {
  readonly plan: FeePlan;
  /** The new version's content; its number and time are set here. */
  readonly change: Omit<FeePlanVersion, 'version' | 'changedAt'>;
  readonly nowMs: number;
  readonly utcOffsetMinutes?: number;
  readonly ceilings?: BankCardCeilings;
}

/**
 * Adds a version made now (for `fees plan set`): numbered after the last, stamped with the time,
 * and validated with the whole plan, so a version starting today or earlier is refused.
 */
export function addPlanVersion(options: AddVersionOptions): FeePlan {
  const { plan, change, nowMs } = options;
  const version: FeePlanVersion = {
    ...change,
    version: plan.versions.length + 1,
    changedAt: new Date(nowMs).toISOString(),
  };
  return validateFeePlan(planToFileJson({ ...plan, versions: [...plan.versions, version] }), {
    ...(options.utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes: options.utcOffsetMinutes }),
    ...(options.ceilings === undefined ? {} : { ceilings: options.ceilings }),
  });
}

/** The plan as its file holds it: `JSON.stringify` of this reads back to the same plan. */
export function planToFileJson(plan: FeePlan): Json {
  return {
    format: 'posguard-fee-plan/1',
    merchantId: plan.merchantId,
    currency: 'CNY',
    devicePriceFen: plan.devicePriceFen,
    activation: plan.activation,
    versions: plan.versions,
  };
}
