// A simulated issuer behind the upstream port: it keeps each card's ledger (the ground truth of what
// cardholders paid) and can misbehave the ways real upstreams do: latency, declines, lost answers
// (the charge is applied but the answer never comes), double posting and outages. It is
// idempotent by RRN, as the host relies on: a repeated authorisation gets the first answer again,
// and a reversal that arrives before its original leaves a tombstone that declines the original.
import { createHash } from 'node:crypto';
import { cardExpired } from '../cards/card.js';
import type { Clock } from '../clock/clock.js';
import type { Random } from '../random/random.js';
import type {
  AuthorizationAnswer,
  AuthorizationRequest,
  ReversalAnswer,
  ReversalRequest,
  Upstream,
} from '../payments/ports/upstream.js';
import type { IssuerLedger, LedgerEntry } from './issuer-ledger.js';

export interface IssuerFaults {
  /** Answer latency in ms, drawn uniformly from [min, max]. */
  readonly latencyMs: { readonly min: number; readonly max: number };
  /** Share of sales declined (response code 51, insufficient funds). */
  readonly declineRate: number;
  /** Share of calls whose effect is applied but whose answer never comes. */
  readonly lostAnswerRate: number;
  /** Share of sales posted twice to the card. */
  readonly doublePostRate: number;
  /** Share of calls refused outright while "down" (nothing applied). */
  readonly outageRate: number;
  /** Fixed windows of epoch ms during which every call is refused. */
  readonly outages: ReadonlyArray<{ readonly fromMs: number; readonly toMs: number }>;
}

export const noFaults: IssuerFaults = {
  latencyMs: { min: 0, max: 0 },
  declineRate: 0,
  lostAnswerRate: 0,
  doublePostRate: 0,
  outageRate: 0,
  outages: [],
};

/** The issuer's identity for a card: it knows the number, so it keys its books by it (hashed here). */
export function issuerCardId(pan: string): string {
  return createHash('sha256').update(`issuer:${pan}`, 'utf8').digest('hex').slice(0, 32);
}

export class SimulatedIssuer implements Upstream {
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #ledger: IssuerLedger;
  #faults: IssuerFaults;
  /** Calls received, by kind: tests use it to prove nothing was sent twice. */
  readonly calls = { authorize: 0, reverse: 0 };

  constructor(deps: { clock: Clock; random: Random; ledger: IssuerLedger; faults?: IssuerFaults }) {
    this.#clock = deps.clock;
    this.#random = deps.random;
    this.#ledger = deps.ledger;
    this.#faults = deps.faults ?? noFaults;
  }

  get ledger(): IssuerLedger {
    return this.#ledger;
  }

  setFaults(faults: IssuerFaults): void {
    this.#faults = faults;
  }

  #isDown(): boolean {
    const now = this.#clock.now();
    if (this.#faults.outages.some((o) => now >= o.fromMs && now < o.toMs)) return true;
    return this.#faults.outageRate > 0 && this.#random.next() < this.#faults.outageRate;
  }

  async #answer<T>(answer: T, signal: AbortSignal): Promise<T> {
    const lost = this.#faults.lostAnswerRate > 0 && this.#random.next() < this.#faults.lostAnswerRate;
    const { min, max } = this.#faults.latencyMs;
    const latency = min + (max > min ? this.#random.int(max - min + 1) : 0);
    if (lost) {
      // Applied, never answered: wait until the caller gives up.
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      throw new Error('the issuer never answered');
    }
    if (latency > 0) await this.#clock.sleep(latency, signal);
    if (signal.aborted) throw new Error('the caller stopped waiting');
    return answer;
  }

  #authCode(): string {
    return String(this.#random.int(1_000_000)).padStart(6, '0');
  }

  async authorize(request: AuthorizationRequest, signal: AbortSignal): Promise<AuthorizationAnswer> {
    this.calls.authorize += 1;
    if (this.#isDown()) return { outcome: 'unavailable', reason: 'issuer outage' };
    const entry = this.#applyAuthorization(request);
    const answer: AuthorizationAnswer =
      entry.state === 'posted'
        ? { outcome: 'approved', authCode: entry.authCode ?? '000000', responseCode: entry.responseCode }
        : { outcome: 'declined', responseCode: entry.responseCode };
    // A ledger that commits postings together answers only once this one is committed (a repeat
    // of an RRN too, whose first posting may still be on its way).
    if (this.#ledger.committed !== undefined) await this.#ledger.committed();
    return this.#answer(answer, signal);
  }

  #applyAuthorization(request: AuthorizationRequest): LedgerEntry {
    const seen = this.#ledger.get(request.rrn);
    if (seen !== undefined) {
      if (seen.state === 'tombstone') {
        // The reversal came first: the original is refused, never charged.
        return { ...seen, state: 'declined', responseCode: '12' };
      }
      return seen; // Idempotent by RRN: the same operation is never applied twice.
    }
    const now = this.#clock.now();
    const original = request.originalRrn === null ? undefined : this.#ledger.get(request.originalRrn);
    const cardId = request.pan !== null ? issuerCardId(request.pan.reveal()) : (original?.cardId ?? null);
    const base = {
      rrn: request.rrn,
      kind: request.kind,
      cardId,
      originalRrn: request.originalRrn,
      amount: request.amount,
      merchantId: request.merchantId,
      terminalId: request.terminalId,
      at: now,
    };
    let decline: string | undefined;
    if (request.kind === 'sale') {
      // A card past its expiry month is declined 54 (expired card), whatever the host checked.
      if (request.expiry !== undefined && cardExpired({ expiry: request.expiry, atMs: now })) decline = '54';
      else if (this.#faults.declineRate > 0 && this.#random.next() < this.#faults.declineRate) decline = '51';
    } else if (original?.state !== 'posted' || original.kind !== 'sale') {
      decline = '25';
    } else if (request.amount > original.amount) {
      decline = '13';
    }
    const entry: LedgerEntry =
      decline === undefined
        ? {
            ...base,
            state: 'posted',
            postings:
              request.kind === 'sale' &&
              this.#faults.doublePostRate > 0 &&
              this.#random.next() < this.#faults.doublePostRate
                ? 2
                : 1,
            authCode: this.#authCode(),
            responseCode: '00',
          }
        : { ...base, state: 'declined', postings: 0, authCode: null, responseCode: decline };
    this.#ledger.put(entry);
    return entry;
  }

  async reverse(request: ReversalRequest, signal: AbortSignal): Promise<ReversalAnswer> {
    this.calls.reverse += 1;
    if (this.#isDown()) return { outcome: 'unavailable', reason: 'issuer outage' };
    const seen = this.#ledger.get(request.rrn);
    if (seen === undefined) {
      this.#ledger.put({
        rrn: request.rrn,
        kind: request.kind,
        cardId: null,
        originalRrn: request.originalRrn,
        amount: request.amount,
        state: 'tombstone',
        postings: 0,
        authCode: null,
        responseCode: '00',
        merchantId: request.merchantId,
        terminalId: request.terminalId,
        at: this.#clock.now(),
      });
    } else if (seen.state === 'posted') {
      this.#ledger.put({ ...seen, state: 'reversed', at: this.#clock.now() });
    }
    if (this.#ledger.committed !== undefined) await this.#ledger.committed();
    return this.#answer<ReversalAnswer>({ outcome: 'acknowledged' }, signal);
  }
}
