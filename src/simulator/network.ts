// The network between a terminal and the host, as the terminal's Transport port: one request out,
// at most one answer back, with the faults of the schedule: a request lost, an answer lost or late,
// a request delivered twice, a connection reset while the request is out. Latency is a few tens of
// milliseconds each way. A host that is down refuses the connection (nothing was sent).
import type { Transport, TransportResult } from '../terminal/transport.js';
import type { Attempt } from './accounting.js';
import type { FaultSubjects } from './fleet.js';
import type { SimContext } from './sim-context.js';

/** The host side of a connection: handles one frame, answers one frame or closes. */
export interface SimHost {
  /** False while the host process is down (crashed, not yet restarted). */
  readonly up: boolean;
  handle(frame: Buffer): Promise<Buffer | 'close'>;
}

/** Financial messages meet network faults; sign-in, echo and settlement go through clean. */
const faultyMtis = new Set(['0200', '0220', '0400']);

export class SimNetwork implements Transport {
  readonly #sent = new Map<string, number>();
  /**
   * Registers a sale the terminal is sending for the first time (a terminal SDK picks its trace
   * numbers itself, so the sale is registered when it leaves). Returns the attempt.
   */
  onNewSale: ((key: string) => Attempt | undefined) | undefined;

  constructor(
    private readonly sim: SimContext,
    private readonly host: () => SimHost,
    /** The terminal on this link: in a fleet with culprits, its network decides the loss (fleet.ts). */
    private readonly who: FaultSubjects = {},
  ) {}

  /** The occasion a frame is, for the fault schedule: intent, attempt ordinal, MTI, and send count. */
  #occasion(frame: Buffer): { key: string | null; occasion: Array<string | number> } {
    const facts = this.sim.frameFacts(frame);
    if (facts === null) return { key: null, occasion: [] };
    const { mti, key } = facts;
    if (!faultyMtis.has(mti)) return { key: null, occasion: [] };
    const attempt = this.sim.attempts.get(key) ?? (mti === '0200' ? this.onNewSale?.(key) : undefined);
    if (attempt === undefined) return { key: null, occasion: [] };
    const base = `${attempt.intent}:${attempt.ordinal}:${mti}`;
    const n = this.#sent.get(base) ?? 0;
    this.#sent.set(base, n + 1);
    return { key, occasion: [attempt.intent, attempt.ordinal, mti, n] };
  }

  async exchange(request: Buffer, options: { readonly timeoutMs: number }): Promise<TransportResult> {
    const clock = this.sim.clock;
    if (!this.host().up) return { kind: 'not-sent', detail: 'connection refused: the host is down' };
    const deadline = clock.now() + options.timeoutMs;
    const { key, occasion } = this.#occasion(request);
    const latency = (leg: string): number => this.sim.schedule.between(5, 60, 'latency', leg, ...occasion);
    const strikes = (name: Parameters<SimContext['strikes']>[0]): boolean =>
      key !== null && this.sim.strikesAt(this.who, name, key, ...occasion);
    const untilDeadline = async (detail: string): Promise<TransportResult> => {
      await clock.sleep(Math.max(0, deadline - clock.now()));
      return { kind: 'no-answer', detail };
    };

    if (strikes('request_lost')) return untilDeadline('the request was lost');
    await clock.sleep(latency('out'));
    const host = this.host();
    if (!host.up) return untilDeadline('the host went down');
    if (strikes('message_duplicated')) {
      // The copy arrives a moment later and is handled on its own; the terminal never sees its answer.
      void (async () => {
        await clock.sleep(latency('copy'));
        const again = this.host();
        if (again.up) await again.handle(request);
      })();
    }
    if (strikes('connection_reset')) {
      void host.handle(request);
      await clock.sleep(latency('reset'));
      return { kind: 'no-answer', detail: 'the connection was reset' };
    }
    const handled = host.handle(request);
    const late = strikes('answer_late');
    const lost = strikes('answer_lost');
    // The terminal waits until its deadline and not a moment longer; the host carries on regardless.
    const timers: Array<{ cancel(): void }> = [];
    let over = false;
    const sleep = (ms: number): Promise<boolean> => {
      if (over) return Promise.resolve(false);
      const timer = clock.timer(ms);
      timers.push(timer);
      return timer.elapsed;
    };
    const outcome = await Promise.race([
      handled.then(async (answer): Promise<TransportResult | undefined> => {
        if (answer === 'close' || lost) return undefined;
        await sleep(late ? options.timeoutMs : latency('back'));
        return clock.now() <= deadline ? { kind: 'answer', frame: answer } : undefined;
      }),
      sleep(Math.max(0, deadline - clock.now())).then(() => undefined),
    ]);
    over = true;
    for (const timer of timers) timer.cancel();
    if (outcome !== undefined) return outcome;
    return untilDeadline(lost ? 'the answer was lost' : 'no answer in time');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
