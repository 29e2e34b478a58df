// The naive host: what produces duplicates in the field. It speaks the same ISO 8583 as posguard
// (the real codec), but keeps its idempotency only in memory (a crash forgets it), stores nothing
// before calling the issuer, and when the issuer is slow it retries with a new reference, so a
// charge that did land is made again. No duplicate guard, no reversals, no reconciliation. A QR
// sale (a payment code in field 59) goes to the wallet under an order number of its own request,
// never queried after an unknown answer and never cancelled (naive-scan.ts).
import { Secret } from '../../cards/secret.js';
import { buildResponse, decodeFrame, encodeFrame, type IsoMessage } from '../../iso8583/index.js';
import type { AuthorizationAnswer, Upstream } from '../../payments/ports/upstream.js';
import type { SimHost } from '../network.js';
import { attemptKey, type SimContext } from '../sim-context.js';
import type { NaiveScanDesk } from './naive-scan.js';

/** The abort reason once an issuer call is over; shared, so an abort builds no DOMException. */
const callOver = new Error('the issuer call is over');

export class NaiveHost implements SimHost {
  up = true;
  #incarnation = 0;
  #seen = new Map<string, Buffer>();
  #rrn = 0;
  /**
   * Every RRN this host sent upstream, with the terminal attempt behind it, and whether the attempt
   * had been sent upstream before under another RRN (a blind retry, or a copy the network delivered
   * twice): for the accounting, which blames such a repeat on the fault behind it.
   */
  readonly attemptOfRrn = new Map<string, { key: string; repeat: boolean }>();
  readonly #sentKeys = new Set<string>();

  constructor(
    private readonly sim: SimContext,
    private readonly issuer: Upstream,
    private readonly options: {
      readonly upstreamTimeoutMs: number;
      readonly restartAfterMs: number;
      /** Where QR sales go, when the day has them. */
      readonly scans?: NaiveScanDesk;
    },
  ) {}

  #crash(): 'close' {
    this.up = false;
    this.#incarnation += 1;
    this.#seen = new Map();
    void this.sim.clock.sleep(this.options.restartAfterMs).then(() => {
      this.up = true;
    });
    return 'close';
  }

  async #authorize(request: Parameters<Upstream['authorize']>[0]): Promise<AuthorizationAnswer | undefined> {
    const controller = new AbortController();
    const answered = this.issuer.authorize(request, controller.signal).catch(() => undefined);
    const timer = this.sim.clock.timer(this.options.upstreamTimeoutMs);
    const answer = await Promise.race([answered, timer.elapsed.then(() => undefined)]);
    timer.cancel();
    controller.abort(callOver);
    return answer;
  }

  async handle(frame: Buffer): Promise<Buffer | 'close'> {
    const incarnation = this.#incarnation;
    const alive = (): boolean => this.up && this.#incarnation === incarnation;
    const request = decodeFrame(frame, { framing: 'full' });
    if (request.mti !== '0200') {
      return encodeFrame(buildResponse({ request, responseCode: request.mti === '0800' ? '00' : '40' }), {
        framing: 'full',
      });
    }
    const terminalId = request.fields['41'] ?? '';
    const stan = request.fields['11'] ?? '';
    const batch = (request.fields['60'] ?? '').slice(2, 8);
    const seenKey = `${terminalId}:${stan}`;
    const stored = this.#seen.get(seenKey);
    if (stored !== undefined) return stored;
    const key = attemptKey(terminalId, batch, stan);
    const attempt = this.sim.attempts.get(key);
    const at = attempt === undefined ? [key] : [attempt.intent, attempt.ordinal];
    if (this.sim.strikesOnce('host_crash_before_commit', key, ...at, 'commit')) return this.#crash();
    const scans = this.options.scans;
    if (request.fields['59'] !== undefined && scans !== undefined) {
      const result = await scans.sale(request, key, () => {
        if (!alive()) return 'dead';
        return this.sim.strikesOnce('host_crash_before_answer', key, ...at, 'answer') ? 'crash' : 'alive';
      });
      if (result.kind === 'crash') return this.#crash();
      if (result.kind === 'dead' || !alive()) return 'close';
      return this.#reply(request, { code: result.code, fields: {} }, { seenKey, key, at });
    }
    const card = (request.fields['35'] ?? request.fields['2'] ?? '').split('=')[0] ?? '';
    let answer: AuthorizationAnswer | undefined;
    // Blind retries with a new reference: the issuer cannot tell the second call is the same sale.
    for (let call = 0; call < 2 && answer === undefined; call += 1) {
      const rrn = String((this.#rrn += 1)).padStart(12, '0');
      this.attemptOfRrn.set(rrn, { key, repeat: this.#sentKeys.has(key) });
      this.#sentKeys.add(key);
      answer = await this.#authorize({
        kind: 'sale',
        rrn,
        originalRrn: null,
        merchantId: request.fields['42'] ?? '',
        terminalId,
        amount: Number(request.fields['4'] ?? '0'),
        currency: 'CNY',
        pan: new Secret(card, 'card number'),
        cardFingerprint: null,
        entryMode: 'chip',
        batchNo: batch,
        stan,
      });
      if (!alive()) return 'close';
      if (call === 0 && this.sim.strikesOnce('host_crash_before_answer', key, ...at, 'answer'))
        return this.#crash();
    }
    const code = answer === undefined ? '98' : answer.outcome === 'unavailable' ? '91' : answer.responseCode;
    const fields: Record<string, string> = {};
    if (answer?.outcome === 'approved') fields['38'] = answer.authCode;
    return this.#reply(request, { code, fields }, { seenKey, key, at });
  }

  /** The answer, kept for a retransmission of the same STAN, unless the host dies before it leaves. */
  #reply(
    request: IsoMessage,
    answer: { code: string; fields: Record<string, string> },
    at: { seenKey: string; key: string; at: ReadonlyArray<string | number> },
  ): Buffer | 'close' {
    const response = encodeFrame(
      buildResponse({ request, responseCode: answer.code, fields: answer.fields }),
      {
        framing: 'full',
      },
    );
    this.#seen.set(at.seenKey, response);
    if (this.sim.strikesOnce('host_crash_before_reply', at.key, ...at.at, 'reply')) return this.#crash();
    return response;
  }
}
