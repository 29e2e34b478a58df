// The faults the simulator injects, each under one of the five causes of duplicate transactions
// (software, hardware, operator, network, third party), with a default rate meant to be realistic
// for a busy day of small-merchant terminals: rare enough that most sales are clean, common enough
// that a day of thousands of sales meets every one of them. Rates are probabilities per occasion
// (per sale, per message, per call), except `issuer_outage`, the share of the day the issuer is down.
// Card sales meet the issuer's faults, QR sales the wallet's (`wallet_*`); both meet the host's, the
// terminal's (but a card read twice or keyed twice) and the network's.
import { PosError } from '../pos-error.js';
import { causes, type Cause } from '../reconciliation/index.js';

export interface FaultSpec {
  readonly cause: Cause;
  readonly defaultRate: number;
  readonly what: string;
}

export const faultSpecs = {
  host_crash_before_commit: {
    cause: 'software',
    defaultRate: 0.002,
    what: 'the host process dies as it stores a payment as pending, and restarts from its store',
  },
  host_crash_before_answer: {
    cause: 'software',
    defaultRate: 0.002,
    what: 'the host dies after the pending commit, while the issuer call is out (the card may be charged)',
  },
  host_crash_before_reply: {
    cause: 'software',
    defaultRate: 0.002,
    what: 'the host dies after storing the answer, before the reply leaves',
  },
  card_double_read: {
    cause: 'hardware',
    defaultRate: 0.01,
    what: 'the card reader delivers one read twice',
  },
  reader_error_after_send: {
    cause: 'hardware',
    defaultRate: 0.005,
    what: 'the terminal hardware errors after the request left, so the terminal never completes it',
  },
  printer_failure: {
    cause: 'hardware',
    defaultRate: 0.01,
    what: 'the printer fails after an approval: no receipt',
  },
  double_keyed: {
    cause: 'operator',
    defaultRate: 0.005,
    what: 'the operator keys the same sale twice',
  },
  operator_rerun: {
    cause: 'operator',
    defaultRate: 0.9,
    what: 'the operator runs a sale again after an error message or a missing receipt (a behaviour, not a rare fault)',
  },
  request_lost: { cause: 'network', defaultRate: 0.01, what: 'a request never reaches the host' },
  answer_lost: { cause: 'network', defaultRate: 0.01, what: "the host's answer never reaches the terminal" },
  answer_late: {
    cause: 'network',
    defaultRate: 0.01,
    what: "the answer arrives after the terminal's timeout",
  },
  message_duplicated: {
    cause: 'network',
    defaultRate: 0.005,
    what: 'the network delivers a request twice',
  },
  connection_reset: {
    cause: 'network',
    defaultRate: 0.005,
    what: 'the connection resets while the request is out',
  },
  issuer_late: {
    cause: 'third_party',
    defaultRate: 0.005,
    what: "the issuer charges the card and answers after the host's timeout",
  },
  issuer_no_answer: {
    cause: 'third_party',
    defaultRate: 0.002,
    what: 'the issuer charges the card and never answers',
  },
  issuer_double_post: {
    cause: 'third_party',
    defaultRate: 0.002,
    what: 'the issuer posts a charge twice (and settles it twice)',
  },
  issuer_outage: {
    cause: 'third_party',
    defaultRate: 0.01,
    what: 'share of the day the issuer is down (in windows of two minutes), refusing every call',
  },
  wallet_user_paying: {
    cause: 'third_party',
    defaultRate: 0.05,
    what: 'QR: the wallet answers "user paying"; the customer confirms on the phone 5 to 40 s later',
  },
  wallet_answer_lost: {
    cause: 'third_party',
    defaultRate: 0.01,
    what: 'QR: the wallet acts on a call (a pay charges) and its answer never comes',
  },
  wallet_late: {
    cause: 'third_party',
    defaultRate: 0.01,
    what: "QR: the wallet acts on a call and answers after the host's timeout",
  },
  wallet_code_used: {
    cause: 'third_party',
    defaultRate: 0.005,
    what: 'QR: the wallet refuses a fresh payment code as already used (nothing charged)',
  },
  wallet_cancel_retry: {
    cause: 'third_party',
    defaultRate: 0.2,
    what: 'QR: the wallet answers an order\'s cancel "retry" (1 to 3 times) before it cancels',
  },
} as const satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof faultSpecs;
export const faultNames = Object.keys(faultSpecs) as FaultName[];

export type FaultRates = Readonly<Record<FaultName, number>>;

export type FaultSelection = 'all' | 'none' | Cause;
export const faultSelections: readonly FaultSelection[] = ['all', 'none', ...causes];

/**
 * The rates for `--faults` (every fault, none, or those of one cause) with `--fault NAME=RATE`
 * overrides on top. `operator_rerun` is a behaviour of people, kept at its default unless named.
 */
export function faultRates(selection: FaultSelection, overrides: readonly string[] = []): FaultRates {
  const rates = {} as Record<FaultName, number>;
  for (const name of faultNames) {
    const spec: FaultSpec = faultSpecs[name];
    const on = name === 'operator_rerun' || selection === 'all' || spec.cause === selection;
    rates[name] = on ? spec.defaultRate : 0;
  }
  for (const override of overrides) {
    const match = /^([a-z_]+)=(\d+(\.\d+)?)$/.exec(override);
    const name = match?.[1];
    const rate = Number(match?.[2]);
    if (name === undefined || !(name in faultSpecs) || !(rate >= 0 && rate <= 1)) {
      throw new PosError(
        'POS_ERR_SIMULATOR_BAD_FAULT',
        `--fault expected NAME=RATE with NAME one of ${faultNames.join(', ')} and RATE from 0 to 1, got ${JSON.stringify(override)}`,
      );
    }
    rates[name as FaultName] = rate;
  }
  return rates;
}
