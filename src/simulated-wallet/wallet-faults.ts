// The faults the simulated wallet injects, each switchable and drawn from a seeded generator so a
// run replays from its seed. Each fault draws from its own stream (SeededRandom.fork), so turning
// one on never shifts the draws of another.
import { PosError } from '../pos-error.js';
import { SeededRandom } from '../random/random.js';

export const walletMethods = ['pay', 'query', 'cancel', 'precreate', 'close', 'refund'] as const;
export type WalletMethod = (typeof walletMethods)[number];

export interface SimulatedWalletFaults {
  /** Answer latency in ms, drawn uniformly from [min, max]. */
  readonly latencyMs: { readonly min: number; readonly max: number };
  /** Share of calls whose effect is applied but whose answer never comes (the caller times out). */
  readonly lostAnswerRate: number;
  /** Share of calls answered with a system error (Alipay 20000 / ACQ.SYSTEM_ERROR, WeChat SYSTEMERROR). */
  readonly systemErrorRate: number;
  /** Of those system errors, the share whose effect was applied first (a pay that did charge). */
  readonly systemErrorAppliedShare: number;
  /** The calls lost answers and system errors hit (all of them unless narrowed). */
  readonly faultMethods: readonly WalletMethod[];
  /** Share of pays answered "user paying" (Alipay 10003, WeChat USERPAYING). */
  readonly userPayingRate: number;
  /** When the customer confirms such a pay on the phone, in ms after it; null: never. */
  readonly confirmAfterMs: number | null;
  /** Share of pays refused as if the code had been used already. */
  readonly codeUsedRate: number;
  /** How many times each order's cancel is answered "retry" (retry_flag=Y, recall=Y) before it works. */
  readonly cancelRetries: number;
  /** Share of payment notifications sent twice. */
  readonly duplicateNotificationRate: number;
  /** Share of payment notifications held back until the order has been queried. */
  readonly lateNotificationRate: number;
  /**
   * Share of WeChat Pay refunds accepted but still PROCESSING (WeChat refunds asynchronously: its
   * refund SUCCESS only accepts the request, refundquery tells when the money is back).
   */
  readonly refundProcessingRate: number;
  /** How long such a refund stays PROCESSING, in ms; null: until the test is over. */
  readonly refundProcessingMs: number | null;
}

export const noWalletFaults: SimulatedWalletFaults = {
  latencyMs: { min: 0, max: 0 },
  lostAnswerRate: 0,
  systemErrorRate: 0,
  systemErrorAppliedShare: 0,
  faultMethods: walletMethods,
  userPayingRate: 0,
  confirmAfterMs: 1_000,
  codeUsedRate: 0,
  cancelRetries: 0,
  duplicateNotificationRate: 0,
  lateNotificationRate: 0,
  refundProcessingRate: 0,
  refundProcessingMs: 10_000,
};

function badFault(what: string): PosError {
  return new PosError('POS_ERR_SIMULATED_WALLET_BAD_REQUEST', `invalid simulated wallet fault: ${what}`);
}

/** Checks a whole fault set; names the first field out of range. */
export function checkFaults(faults: SimulatedWalletFaults): SimulatedWalletFaults {
  const rates = [
    'lostAnswerRate',
    'systemErrorRate',
    'systemErrorAppliedShare',
    'userPayingRate',
    'codeUsedRate',
    'duplicateNotificationRate',
    'lateNotificationRate',
    'refundProcessingRate',
  ] as const;
  for (const name of rates) {
    const rate = faults[name];
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
      throw badFault(`${name} must be a number from 0 to 1`);
  }
  const { min, max } = faults.latencyMs;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min || max > 600_000) {
    throw badFault('latencyMs must be whole ms with 0 <= min <= max <= 600000');
  }
  if (!Number.isInteger(faults.cancelRetries) || faults.cancelRetries < 0 || faults.cancelRetries > 100) {
    throw badFault('cancelRetries must be a whole number from 0 to 100');
  }
  const confirm = faults.confirmAfterMs;
  if (confirm !== null && (!Number.isInteger(confirm) || confirm < 0 || confirm > 3_600_000)) {
    throw badFault('confirmAfterMs must be null (never) or whole ms up to an hour');
  }
  const processing = faults.refundProcessingMs;
  if (processing !== null && (!Number.isInteger(processing) || processing < 0 || processing > 3_600_000)) {
    throw badFault('refundProcessingMs must be null (until the end) or whole ms up to an hour');
  }
  if (
    !Array.isArray(faults.faultMethods) ||
    (faults.faultMethods as readonly unknown[]).some(
      (m) => !(walletMethods as readonly unknown[]).includes(m),
    )
  ) {
    throw badFault(`faultMethods must list methods among ${walletMethods.join(', ')}`);
  }
  return faults;
}

/** What happens to one call: its latency, whether its answer is lost, whether it errs. */
export interface CallFate {
  readonly latencyMs: number;
  readonly lost: boolean;
  readonly systemError: 'none' | 'applied' | 'not_applied';
}

/** The draws, one stream per fault. */
export class FaultDraws {
  #faults: SimulatedWalletFaults;
  readonly #latency: SeededRandom;
  readonly #lost: SeededRandom;
  readonly #system: SeededRandom;
  readonly #userPaying: SeededRandom;
  readonly #codeUsed: SeededRandom;
  readonly #duplicate: SeededRandom;
  readonly #late: SeededRandom;
  readonly #refundProcessing: SeededRandom;

  constructor(seed: number, faults: SimulatedWalletFaults) {
    const root = new SeededRandom(seed);
    this.#latency = root.fork(1);
    this.#lost = root.fork(2);
    this.#system = root.fork(3);
    this.#userPaying = root.fork(4);
    this.#codeUsed = root.fork(5);
    this.#duplicate = root.fork(6);
    this.#late = root.fork(7);
    this.#refundProcessing = root.fork(8);
    this.#faults = checkFaults(faults);
  }

  get faults(): SimulatedWalletFaults {
    return this.#faults;
  }

  set faults(faults: SimulatedWalletFaults) {
    this.#faults = checkFaults(faults);
  }

  #hit(stream: SeededRandom, rate: number): boolean {
    return rate > 0 && stream.next() < rate;
  }

  call(method: WalletMethod): CallFate {
    const f = this.#faults;
    const { min, max } = f.latencyMs;
    const latencyMs = min + (max > min ? this.#latency.int(max - min + 1) : 0);
    if (!f.faultMethods.includes(method)) return { latencyMs, lost: false, systemError: 'none' };
    const lost = this.#hit(this.#lost, f.lostAnswerRate);
    let systemError: CallFate['systemError'] = 'none';
    if (!lost && this.#hit(this.#system, f.systemErrorRate)) {
      systemError = this.#hit(this.#system, f.systemErrorAppliedShare) ? 'applied' : 'not_applied';
    }
    return { latencyMs, lost, systemError };
  }

  /** Whether this pay waits for the customer, and when they confirm (null: never). */
  userPaying(): { readonly confirmAfterMs: number | null } | undefined {
    return this.#hit(this.#userPaying, this.#faults.userPayingRate)
      ? { confirmAfterMs: this.#faults.confirmAfterMs }
      : undefined;
  }

  codeUsed(): boolean {
    return this.#hit(this.#codeUsed, this.#faults.codeUsedRate);
  }

  duplicateNotification(): boolean {
    return this.#hit(this.#duplicate, this.#faults.duplicateNotificationRate);
  }

  lateNotification(): boolean {
    return this.#hit(this.#late, this.#faults.lateNotificationRate);
  }

  /** Whether this refund stays PROCESSING, and for how long (null: until the end); undefined if not. */
  refundProcessing(): { readonly forMs: number | null } | undefined {
    return this.#hit(this.#refundProcessing, this.#faults.refundProcessingRate)
      ? { forMs: this.#faults.refundProcessingMs }
      : undefined;
  }
}
