// The statistics of the fleet diagnosis (issue 14, docs/diagnostics.md): is a subject's rate of some
// event above the fleet's, given how much it did? A one-sided exact test answers with a p-value,
// the chance of seeing at least this many events if the subject were like the fleet:
//  - binomial, when each unit of exposure has the event or not (a sale reversed, a sale keyed twice);
//  - Poisson, when events are counted per unit and may be several (double reads per card sale).
// Three events in 10 sales and three in 10,000 get very different p-values for the same three
// events; the same 30% rate on 10 sales and on 100 too. Many subjects are tested at once, so the
// p-values are corrected by Benjamini-Hochberg (false discovery rate) before any is called
// significant. Pure arithmetic in log space: no randomness, no dependency.
import { assert } from '../assert.js';

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
export function logGamma(x: number): number {
  assert(x > 0, 'logGamma takes a positive number');
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0] ?? 0;
  for (let i = 1; i < c.length; i += 1) sum += (c[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Terms are added until they no longer change the sum; never more than this many. */
const maxTerms = 1_000_000;

/**
 * P(X >= x) for X ~ Binomial(n, p): the chance of at least `x` events in `n` trials. Summed from
 * x upwards in log space; exact to double precision for the counts a fleet has.
 */
export function binomialUpperTail(x: number, n: number, p: number): number {
  assert(Number.isSafeInteger(x) && Number.isSafeInteger(n) && n >= 0, 'counts are whole numbers');
  if (x <= 0) return 1;
  if (x > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logTerm = logGamma(n + 1) - logGamma(x + 1) - logGamma(n - x + 1) + x * logP + (n - x) * logQ;
  let sum = 0;
  for (let k = x, steps = 0; k <= n && steps < maxTerms; k += 1, steps += 1) {
    const term = Math.exp(logTerm);
    sum += term;
    // Past the mode the terms only shrink: stop once they stop counting.
    if (k > n * p && term < sum * 1e-17) break;
    logTerm += Math.log(n - k) - Math.log(k + 1) + logP - logQ;
  }
  return Math.min(1, sum);
}

/** P(X >= x) for X ~ Poisson(mean): the chance of at least `x` events where `mean` are expected. */
export function poissonUpperTail(x: number, mean: number): number {
  assert(Number.isSafeInteger(x), 'counts are whole numbers');
  if (x <= 0) return 1;
  if (mean <= 0) return 0;
  const logMean = Math.log(mean);
  let logTerm = -mean + x * logMean - logGamma(x + 1);
  let sum = 0;
  for (let k = x, steps = 0; steps < maxTerms; k += 1, steps += 1) {
    const term = Math.exp(logTerm);
    sum += term;
    if (k > mean && term < sum * 1e-17) break;
    logTerm += logMean - Math.log(k + 1);
  }
  return Math.min(1, sum);
}

export type RateTest = 'binomial' | 'poisson';

/**
 * The one-sided p-value that `events` on `exposure` come from a rate no higher than `otherEvents`
 * on `otherExposure`, both counts uncertain: given the events of both together, the chance that at
 * least this many fell on the first, by the exposures' shares (the exact conditional test of two
 * Poisson rates; for rare events per unit, of two binomial ones too).
 */
export function rateAboveOtherPValue(
  events: number,
  exposure: number,
  other: { readonly events: number; readonly exposure: number },
): number {
  if (exposure <= 0) return 1;
  if (other.exposure <= 0) return events > 0 ? 0 : 1;
  return binomialUpperTail(events, events + other.events, exposure / (exposure + other.exposure));
}

/** The one-sided p-value of `events` in `exposure` units where the fleet's rate is `fleetRate`. */
export function upperTailPValue(test: RateTest, events: number, exposure: number, fleetRate: number): number {
  return test === 'binomial'
    ? binomialUpperTail(events, exposure, Math.min(1, fleetRate))
    : poissonUpperTail(events, exposure * fleetRate);
}

/**
 * Benjamini-Hochberg adjusted p-values (q-values), in the order given: a test is significant at a
 * false discovery rate of `alpha` when its q-value is at most `alpha`.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const q = new Array<number>(m).fill(1);
  let running = 1;
  for (let rank = m; rank >= 1; rank -= 1) {
    const entry = order[rank - 1];
    if (entry === undefined) continue;
    running = Math.min(running, (entry.p * m) / rank);
    q[entry.index] = Math.min(1, running);
  }
  return q;
}
