// The naive terminal and its operator: what produces duplicates in the field. A timed-out sale is
// sent again with a new trace number; a sale that printed nothing, or ended on an error, is run again
// by the operator; a card read twice is two sales; a sale keyed twice is two sales. Messages are
// real ISO 8583 frames (the real codec), without a journal, reversals or a MAC.
import {
  buildRequest,
  decodeFrame,
  encodeFrame,
  interpretResponseCode,
  isApproval,
} from '../../iso8583/index.js';
import type { Transport } from '../../terminal/transport.js';
import type { AttemptCause } from '../accounting.js';
import { panOf, type Intent } from '../intents.js';
import { attemptKey, type SimContext } from '../sim-context.js';

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
    },
  ) {
    this.terminalId = `T${String(options.terminalIndex).padStart(7, '0')}`;
  }

  /** One sale as the naive terminal sends it: new trace number on every try. */
  async #sale(intent: Intent, cause: AttemptCause): Promise<RunResult> {
    let why = cause;
    for (let attempt = 0; attempt <= maxRetries; attempt += 1) {
      this.#stan = (this.#stan % 999_999) + 1;
      const stan = String(this.#stan).padStart(6, '0');
      const key = attemptKey(this.terminalId, '000001', stan);
      this.sim.registerAttempt(key, intent.id, why);
      const request = buildRequest({
        type: 'sale',
        tpdu: '6000030000',
        header: '603100311003',
        stan: this.#stan,
        batchNumber: 1,
        terminalId: this.terminalId,
        merchantId: this.options.merchantId,
        amountMinor: intent.amount,
        fields: { '2': panOf(intent.card), '14': '2812', '22': '051' },
      });
      const result = await this.transport.exchange(encodeFrame(request, { framing: 'full' }), {
        timeoutMs: this.options.timeoutMs,
      });
      if (result.kind === 'answer') {
        const code = decodeFrame(result.frame, { framing: 'full' }).fields['39'] ?? '96';
        if (isApproval(interpretResponseCode({ code, mti: '0210' }).outcome)) return { kind: 'approved' };
        return { kind: 'failed', cause: this.sim.causeOfFailure(key, 'third_party') };
      }
      why = this.sim.causeOfFailure(key, 'network');
      if (result.kind === 'not-sent') return { kind: 'failed', cause: why };
    }
    return { kind: 'failed', cause: why };
  }

  /** One customer at the counter, with the operator's habits. */
  async serve(intent: Intent): Promise<void> {
    const trace = this.sim.trace(intent.id);
    const occasion = [intent.id];
    let cause: AttemptCause = null;
    for (let run = 0; run < maxRuns; run += 1) {
      const result = await this.#sale(intent, cause);
      if (run === 0 && this.sim.strikes('card_double_read', null, ...occasion, run)) {
        await this.#sale(intent, 'hardware');
      }
      if (run === 0 && this.sim.strikes('double_keyed', null, ...occasion, run)) {
        await this.#sale(intent, 'operator');
      }
      if (result.kind === 'approved') {
        trace.merchantShowsPaid = true;
        if (this.sim.strikes('reader_error_after_send', null, ...occasion, run, 'reader')) {
          // The terminal errored after the request left: it shows an error, not the approval.
          cause = 'hardware';
        } else if (this.sim.strikes('printer_failure', null, ...occasion, run, 'printer')) {
          cause = 'hardware';
        } else {
          trace.believesPaid = true;
          return;
        }
      } else {
        cause = result.cause;
      }
      if (!this.sim.strikes('operator_rerun', null, ...occasion, run, 'rerun')) return;
    }
  }
}
