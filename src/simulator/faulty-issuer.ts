// The issuer as the schedule makes it misbehave, around the simulated issuer and its ledger: it
// answers after the host's timeout (having charged), never answers (having charged), posts a charge
// twice, or is down for a while and refuses every call. Which call meets which fault is fixed by the
// intent and attempt behind the RRN, so both protocols meet the same issuer.
import type { Attempt } from './accounting.js';
import type { IssuerLedger } from '../simulated-issuer/issuer-ledger.js';
import type { SimulatedIssuer } from '../simulated-issuer/simulated-issuer.js';
import type {
  AuthorizationAnswer,
  AuthorizationRequest,
  ReversalAnswer,
  ReversalRequest,
  Upstream,
} from '../payments/ports/upstream.js';
import { dayLengthMs } from './intents.js';
import type { SimContext } from './sim-context.js';

/** The provider the issuer's faults strike, in a fleet with culprits (fleet.ts). */
const issuerRoute = { provider: 'issuer' };

/** Outages come in windows this long. */
const outageWindowMs = 2 * 60 * 1000;

/**
 * The signal for the inner issuer, which answers at once (no latency, nothing lost) and so never
 * listens to it: one, never aborted, instead of an AbortController per call.
 */
const answersAtOnce = new AbortController().signal;

export class FaultyIssuer implements Upstream {
  readonly #calls = new Map<string, number>();
  readonly #down: boolean[];

  constructor(
    private readonly sim: SimContext,
    private readonly issuer: SimulatedIssuer,
    private readonly ledger: IssuerLedger,
    private readonly options: {
      readonly dayStartMs: number;
      /** How late a late answer is: past the host's timeout. */
      readonly lateByMs: number;
      /** The terminal attempt behind an authorisation. */
      readonly attemptOf: (request: AuthorizationRequest) => { key: string; attempt: Attempt } | undefined;
    },
  ) {
    const windows = Math.ceil(dayLengthMs / outageWindowMs) + 60;
    this.#down = Array.from({ length: windows }, (_, w) =>
      sim.strikesAt(issuerRoute, 'issuer_outage', null, 'window', w),
    );
  }

  #isDown(): boolean {
    const window = Math.floor((this.sim.clock.now() - this.options.dayStartMs) / outageWindowMs);
    return this.#down[window] ?? false;
  }

  #latency(...occasion: Array<string | number>): number {
    return this.sim.schedule.between(20, 200, 'issuer-latency', ...occasion);
  }

  async authorize(request: AuthorizationRequest, signal: AbortSignal): Promise<AuthorizationAnswer> {
    if (this.#isDown()) return { outcome: 'unavailable', reason: 'issuer outage' };
    const found = request.kind === 'sale' ? this.options.attemptOf(request) : undefined;
    const base = found === undefined ? [request.rrn] : [found.attempt.intent, found.attempt.ordinal];
    const n = this.#calls.get(base.join(':')) ?? 0;
    this.#calls.set(base.join(':'), n + 1);
    const occasion = [...base, n];
    const key = found?.key ?? null;
    const late = found !== undefined && this.sim.strikesAt(issuerRoute, 'issuer_late', key, ...occasion);
    const silent =
      !late && found !== undefined && this.sim.strikesAt(issuerRoute, 'issuer_no_answer', key, ...occasion);
    const answer = await this.issuer.authorize(request, answersAtOnce);
    if (
      answer.outcome === 'approved' &&
      found !== undefined &&
      this.sim.strikesAt(issuerRoute, 'issuer_double_post', key, ...occasion)
    ) {
      const entry = this.ledger.get(request.rrn);
      if (entry !== undefined) this.ledger.put({ ...entry, postings: 2 });
    }
    if (silent) {
      // Charged, and never a word back: wait until the caller gives up.
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      throw new Error('the issuer never answered');
    }
    await this.sim.clock.sleep(late ? this.options.lateByMs : this.#latency(...occasion), signal);
    if (signal.aborted) throw new Error('the caller stopped waiting');
    return answer;
  }

  async reverse(request: ReversalRequest, signal: AbortSignal): Promise<ReversalAnswer> {
    if (this.#isDown()) return { outcome: 'unavailable', reason: 'issuer outage' };
    const answer = await this.issuer.reverse(request, answersAtOnce);
    await this.sim.clock.sleep(this.#latency('reverse', request.rrn), signal);
    if (signal.aborted) throw new Error('the caller stopped waiting');
    return answer;
  }
}
