// Answer times of one provider, kept as a histogram of fixed logarithmic buckets (each 5% wider
// than the one before, from 1 ms to about 10 minutes): a period of millions of calls costs a few
// hundred counters, and a quantile read from it is within 5% of the exact one.
const ratio = 1.05;
const logRatio = Math.log(ratio);
/** 1.05^273 ≈ 600,000 ms: slower answers fall in the last bucket. */
const bucketCount = 274;

export class LatencyHistogram {
  readonly #counts = new Float64Array(bucketCount);
  #total = 0;

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const index = ms < 1 ? 0 : Math.min(bucketCount - 1, Math.floor(Math.log(ms) / logRatio) + 1);
    this.#counts[index] = (this.#counts[index] ?? 0) + 1;
    this.#total += 1;
  }

  get count(): number {
    return this.#total;
  }

  /** The `q` quantile (0.5, 0.95) in whole ms, the upper edge of its bucket; null when empty. */
  quantile(q: number): number | null {
    if (this.#total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let index = 0; index < bucketCount; index += 1) {
      seen += this.#counts[index] ?? 0;
      if (seen >= rank) return index === 0 ? 1 : Math.round(ratio ** index);
    }
    return Math.round(ratio ** (bucketCount - 1));
  }
}
