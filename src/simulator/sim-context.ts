// What every part of one simulated run shares: virtual time, the fault schedule and rates, the
// register of terminal attempts (which intent each trace number belongs to, and why it was sent),
// the wallet order number each QR attempt was sent under, the faults that struck each attempt, and
// the traces the accounting reads at the end.
import type { FaultName, FaultRates } from './faults.js';
import type { Cause } from '../reconciliation/index.js';
import { faultSpecs } from './faults.js';
import type { Attempt, AttemptCause, IntentTrace } from './accounting.js';
import type { PaymentMethod } from './intents.js';
import type { Schedule } from './schedule.js';
import type { VirtualClock } from '../clock/virtual-clock.js';
import { decodeFrame } from '../iso8583/index.js';
import { fleetRate, type FaultSubjects, type FleetPlan } from './fleet.js';

/** What the simulation reads from a terminal's request frame: its type and its attempt key. */
export interface FrameFacts {
  readonly mti: string;
  readonly processingCode: string;
  /** The attempt key: terminal, batch and trace number. */
  readonly key: string;
}

export function attemptKey(terminalId: string, batchNo: string, stan: string): string {
  return `${terminalId}:${batchNo}:${stan}`;
}

export class SimContext {
  readonly attempts = new Map<string, Attempt>();
  /** Faults that struck each attempt, in order. */
  readonly faultsOf = new Map<string, Cause[]>();
  readonly traces = new Map<number, IntentTrace>();
  /** Duplicate prompts the operators met, by the method of the sale prompted. */
  readonly operatorPrompts: Record<PaymentMethod, number> = { card: 0, qr: 0 };
  /** The attempt key behind each wallet order number (QR sales). */
  readonly #orders = new Map<string, string>();
  /** How many times each fault struck (for the report's detail and for tests). */
  readonly struck = new Map<FaultName, number>();

  constructor(
    readonly clock: VirtualClock,
    readonly schedule: Schedule,
    readonly rates: FaultRates,
    /** The fleet with planted culprits (`--culprits`); without one, every subject meets `rates`. */
    readonly fleet?: FleetPlan,
  ) {}

  readonly #ordinals = new Map<number, number>();
  /** Facts of frames already read: the network and the host see the very same Buffer. */
  readonly #facts = new WeakMap<Buffer, FrameFacts | null>();

  /** The facts of a request frame, or null when it does not decode; each frame is decoded once. */
  frameFacts(frame: Buffer): FrameFacts | null {
    let facts = this.#facts.get(frame);
    if (facts === undefined) {
      try {
        const { mti, fields } = decodeFrame(frame, { framing: 'full' });
        const batch = (fields['60'] ?? '').slice(2, 8);
        facts = {
          mti,
          processingCode: fields['3'] ?? '',
          key: attemptKey(fields['41'] ?? '', batch, fields['11'] ?? ''),
        };
      } catch {
        facts = null;
      }
      this.#facts.set(frame, facts);
    }
    return facts;
  }

  /** Records a new sale attempt of an intent under its trace key; returns it with its ordinal. */
  registerAttempt(key: string, intent: number, cause: AttemptCause): Attempt {
    const ordinal = this.#ordinals.get(intent) ?? 0;
    this.#ordinals.set(intent, ordinal + 1);
    const attempt = { intent, cause, ordinal };
    this.attempts.set(key, attempt);
    return attempt;
  }

  /** Does fault `name` strike this occasion? Records it against the attempt when it does. */
  strikes(name: FaultName, attempt: string | null, ...occasion: ReadonlyArray<string | number>): boolean {
    return this.strikesAt({}, name, attempt, ...occasion);
  }

  /**
   * As `strikes`, for an occasion met by these subjects (a terminal, its operator, a provider): in
   * a fleet with culprits, a planted one meets the fault at its culprit rate (fleet.ts). The
   * occasion is the same either way, so a healthy subject meets exactly the day's faults.
   */
  strikesAt(
    who: FaultSubjects,
    name: FaultName,
    attempt: string | null,
    ...occasion: ReadonlyArray<string | number>
  ): boolean {
    const rate =
      this.fleet === undefined ? this.rates[name] : fleetRate(this.fleet, name, who, this.rates[name]);
    if (!this.schedule.strikes(rate, name, ...occasion)) return false;
    this.struck.set(name, (this.struck.get(name) ?? 0) + 1);
    if (attempt !== null) {
      const list = this.faultsOf.get(attempt);
      const cause = faultSpecs[name].cause;
      if (list === undefined) this.faultsOf.set(attempt, [cause]);
      else list.push(cause);
    }
    return true;
  }

  readonly #struckOnce = new Set<string>();

  /** As `strikes`, but an occasion strikes at most once (a process dies once at a given point). */
  strikesOnce(name: FaultName, attempt: string | null, ...occasion: ReadonlyArray<string | number>): boolean {
    const id = [name, ...occasion].join(':');
    if (this.#struckOnce.has(id) || !this.strikes(name, attempt, ...occasion)) return false;
    this.#struckOnce.add(id);
    return true;
  }

  /** Why an attempt failed, as far as the world knows: the last fault that struck it. */
  causeOfFailure(attempt: string, fallback: Cause): AttemptCause {
    const list = this.faultsOf.get(attempt);
    return list?.[list.length - 1] ?? fallback;
  }

  /** The attempt a request from a terminal belongs to, by its terminal, batch and trace number. */
  attemptOfRequest(request: {
    terminalId: string;
    batchNo: string | null;
    stan: string | null;
  }): { key: string; attempt: Attempt } | undefined {
    if (request.batchNo === null || request.stan === null) return undefined;
    const key = attemptKey(request.terminalId, request.batchNo, request.stan);
    const attempt = this.attempts.get(key);
    return attempt === undefined ? undefined : { key, attempt };
  }

  /** Records the wallet order number a QR attempt is sent under. */
  registerOrder(orderNo: string, key: string): void {
    this.#orders.set(orderNo, key);
  }

  /** The attempt a wallet order number belongs to, by the order number the host sent it under. */
  attemptOfOrder(orderNo: string): { key: string; attempt: Attempt } | undefined {
    const key = this.#orders.get(orderNo);
    const attempt = key === undefined ? undefined : this.attempts.get(key);
    return key === undefined || attempt === undefined ? undefined : { key, attempt };
  }

  /** The same, with the terminal that sent it: what the accounting traces a wallet's charge to. */
  chargedOrder(orderNo: string): { attempt: Attempt; terminalId: string } | undefined {
    const found = this.attemptOfOrder(orderNo);
    return found === undefined
      ? undefined
      : { attempt: found.attempt, terminalId: found.key.slice(0, found.key.indexOf(':')) };
  }

  trace(intent: number): IntentTrace {
    let trace = this.traces.get(intent);
    if (trace === undefined) {
      trace = { believesPaid: false, merchantShowsPaid: false, blockedByGuard: false };
      this.traces.set(intent, trace);
    }
    return trace;
  }
}
