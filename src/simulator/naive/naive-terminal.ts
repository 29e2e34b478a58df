// The naive terminal and its operator: what produces duplicates in the field. A timed-out sale is
// sent again with a new trace number; a sale that printed nothing, or ended on an error, is run again
// by the operator; a card read twice is two sales; a sale keyed twice is two sales. Messages are
// real ISO 8583 frames (the real codec), without a journal, reversals or a MAC. A QR sale is sent
// once (a payment code is single use); when it times out or fails, the cashier asks the customer
// for a fresh code and scans again, whatever became of the first.
import {
  buildRequest,
  buildScanRequest,
  decodeFrame,
  encodeFrame,
  interpretResponseCode,
  isApproval,
} from '../../iso8583/index.js';
import type { Transport } from '../../terminal/transport.js';
import type { AttemptCause } from '../accounting.js';
import { assert } from '../../assert.js';
import { panOf, type Intent } from '../intents.js';
import { retransmitAfterMs } from '../fleet-device.js';
import { operatorAt } from '../fleet.js';
import { attemptKey, type SimContext } from '../sim-context.js';
import type { SimWallets } from '../sim-wallets.js';

/** Blind retries of a timed-out sale, each with a new trace number. */
const maxRetries = 2;
/** Times an operator runs one customer's sale, at most. */
const maxRuns = 3;

type RunResult = { kind: 'approved' } | { kind: 'failed'; cause: AttemptCause };

export class NaiveTerminal {
  #stan = 0;
  readonly terminalId: string;

  constructor(
    private readonly sim: SimContext,
    private readonly transport: Transport,
    private readonly options: {
      readonly merchantId: string;
      readonly terminalIndex: number;
      readonly timeoutMs: number;
      /** The customers' wallets, when the day has QR sales. */
      readonly wallets?: SimWallets;
    },
  ) {
    this.terminalId = `T${String(options.terminalIndex).padStart(7, '0')}`;
  }

  /** Sends one sale under a new trace number: approved, failed (answered), or no answer. */
  async #send(
    intent: Intent,
    cause: AttemptCause,
    fields: Record<string, string>,
  ): Promise<RunResult | { kind: 'no-answer' | 'not-sent'; cause: AttemptCause }> {
    this.#stan = (this.#stan % 999_999) + 1;
    const stan = String(this.#stan).padStart(6, '0');
    const key = attemptKey(this.terminalId, '000001', stan);
    this.sim.registerAttempt(key, intent.id, cause);
    const request = buildRequest({
      type: 'sale',
      tpdu: '6000030000',
      header: '603100311003',
      stan: this.#stan,
      batchNumber: 1,
      terminalId: this.terminalId,
      merchantId: this.options.merchantId,
      amountMinor: intent.amount,
      fields,
    });
    const frame = encodeFrame(request, { framing: 'full' });
    const sent = this.transport.exchange(frame, { timeoutMs: this.options.timeoutMs });
    this.#retransmitIfOld(frame, key);
    const result = await sent;
    if (result.kind === 'answer') {
      const code = decodeFrame(result.frame, { framing: 'full' }).fields['39'] ?? '96';
      if (isApproval(interpretResponseCode({ code, mti: '0210' }).outcome)) return { kind: 'approved' };
      return { kind: 'failed', cause: this.sim.causeOfFailure(key, 'third_party') };
    }
    return { kind: result.kind, cause: this.sim.causeOfFailure(key, 'network') };
  }

  /** Old software's retry bug (a fleet's culprit): the sale goes out again, same trace number. */
  #retransmitIfOld(frame: Buffer, key: string): void {
    const attempt = this.sim.attempts.get(key);
    const afterMs =
      attempt === undefined ? null : retransmitAfterMs(this.sim.fleet, this.options.terminalIndex, attempt);
    if (afterMs === null) return;
    void (async () => {
      await this.sim.clock.sleep(afterMs);
      await this.transport.exchange(frame, { timeoutMs: this.options.timeoutMs });
    })();
  }

  /** One sale as the naive terminal sends it: new trace number on every try. */
  async #sale(intent: Intent, cause: AttemptCause): Promise<RunResult> {
    let why = cause;
    for (let attempt = 0; attempt <= maxRetries; attempt += 1) {
      const result = await this.#send(intent, why, { '2': panOf(intent.card), '14': '2812', '22': '051' });
      if (result.kind === 'approved' || result.kind === 'failed') return result;
      why = result.cause;
      if (result.kind === 'not-sent') return { kind: 'failed', cause: why };
    }
    return { kind: 'failed', cause: why };
  }

  /** One scan of a fresh payment code, sent once: a code is single use, so nothing is retried. */
  async #scan(intent: Intent, cause: AttemptCause): Promise<RunResult> {
    const wallets = this.options.wallets;
    assert(wallets !== undefined, 'a day with QR sales has wallets');
    const result = await this.#send(intent, cause, { '59': buildScanRequest(wallets.codeFor(intent)) });
    return result.kind === 'approved' ? result : { kind: 'failed', cause: result.cause };
  }

  /** One customer at the counter, with the operator's habits. */
  async serve(intent: Intent): Promise<void> {
    const trace = this.sim.trace(intent.id);
    const occasion = [intent.id];
    const fleet = this.sim.fleet;
    const who = {
      terminal: this.options.terminalIndex,
      ...(fleet === undefined
        ? {}
        : { operator: operatorAt(fleet, this.options.terminalIndex, intent.atMs) }),
    };
    let cause: AttemptCause = null;
    const card = intent.method === 'card';
    for (let run = 0; run < maxRuns; run += 1) {
      // A QR sale that failed or timed out: the cashier asks for a fresh code and scans it.
      const result: RunResult = card ? await this.#sale(intent, cause) : await this.#scan(intent, cause);
      if (card && run === 0 && this.sim.strikesAt(who, 'card_double_read', null, ...occasion, run)) {
        await this.#sale(intent, 'hardware');
      }
      if (card && run === 0 && this.sim.strikesAt(who, 'double_keyed', null, ...occasion, run)) {
        await this.#sale(intent, 'operator');
      }
      if (result.kind === 'approved') {
        trace.merchantShowsPaid = true;
        if (this.sim.strikesAt(who, 'reader_error_after_send', null, ...occasion, run, 'reader')) {
          // The terminal errored after the request left: it shows an error, not the approval.
          cause = 'hardware';
        } else if (this.sim.strikesAt(who, 'printer_failure', null, ...occasion, run, 'printer')) {
          cause = 'hardware';
        } else {
          trace.believesPaid = true;
          return;
        }
      } else {
        cause = result.cause;
      }
      if (!this.sim.strikesAt(who, 'operator_rerun', null, ...occasion, run, 'rerun')) return;
    }
  }
}
