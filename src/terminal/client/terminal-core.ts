// What every concern of the terminal client shares: the terminal's identity and ports, its state and
// the journal's transactions and owed reversals mirrored in memory, the journaled changes to them
// (each written to the journal before memory changes), the next STAN, and one request/answer
// exchange with its MAC check. The concerns (session.ts, money.ts, reversals.ts, reprint.ts,
// settlement.ts) are functions on this core; terminal-client.ts is the facade that runs them one at
// a time.
import { Secret } from '../../cards/secret.js';
import type { Clock } from '../../clock/clock.js';
import {
  encodeFrame,
  encodeSignedFrame,
  interpretResponseCode,
  isApproval,
  verifyFrameMac,
  type IsoMessage,
} from '../../iso8583/index.js';
import { PosError } from '../../pos-error.js';
import { CardReadFilter, doubleReadWindowMs } from '../card-read-filter.js';
import {
  isSentUntilAnswered,
  isShownCode,
  recordKey,
  type Journal,
  type ReversalRecord,
  type TerminalState,
  type TransactionRecord,
} from '../journal.js';
import { noPrinter, type Printer } from '../receipt.js';
import {
  checkAnswer,
  defaultHeader,
  defaultTpdu,
  processingRequirementOf,
  type TerminalIdentity,
} from '../terminal-messages.js';
import type { Transport } from '../transport.js';
import { TelemetryTally } from './telemetry-tally.js';

export interface TerminalClientOptions {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly transport: Transport;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly printer?: Printer;
  /** How long to wait for each answer (default 30 s; CUP terminals wait 30 to 60 s). */
  readonly answerTimeoutMs?: number;
  /**
   * How long to wait for the answer to a scan-code (QR) sale (default 75 s): the host may poll the
   * wallet for its whole pay window (at most 60 s) while the customer confirms on the phone.
   */
  readonly scanAnswerTimeoutMs?: number;
  /** How many transaction queries settle an unanswered scan-code sale before it is reversed (default 3). */
  readonly scanQueries?: number;
  /** The wait between those queries while the host says the sale is still pending (default 5 s). */
  readonly scanQueryIntervalMs?: number;
  /** How many times one call sends each owed reversal before giving up until the next call (default 3). */
  readonly reversalAttempts?: number;
  readonly doubleReadWindowMs?: number;
  readonly tpdu?: string;
  readonly header?: string;
}

/**
 * The wait for a scan-code sale's answer: the longest pay window a host allows a wallet (60 s,
 * payments/pending-horizon.ts) plus the host's own calls and store writes, with room to spare.
 */
export const defaultScanAnswerTimeoutMs = 75_000;

/** STANs and batch numbers run from 1 to this and then start again at 1. */
export const maxStan = 999_999;

export interface ExchangeAnswer {
  readonly kind: 'answer';
  readonly message: IsoMessage;
  readonly code: string;
  /** null when the answer carries no MAC. */
  readonly macOk: boolean | null;
  readonly signInRequired: boolean;
}

export type Exchanged =
  | ExchangeAnswer
  | { readonly kind: 'no-answer'; readonly detail: string }
  | { readonly kind: 'not-sent'; readonly detail: string };

/** An answer the terminal may act on: an approval must carry a good MAC, anything else a good MAC or none. */
export function answerTrust(answer: ExchangeAnswer): { approved: boolean; trusted: boolean } {
  // On a 0230 the codec reads 00 and 94 as "already accepted" (CUP: uploads). For a refund only
  // 00 is an approval: posguard answers a retransmission with its stored answer, and 94 means
  // the STAN was used for another request (docs/iso8583.md).
  const outcome = interpretResponseCode({ code: answer.code, mti: answer.message.mti }).outcome;
  const approved = isApproval(outcome) || (outcome === 'already-accepted' && answer.code === '00');
  return { approved, trusted: approved ? answer.macOk === true : answer.macOk !== false };
}

export class TerminalCore {
  readonly options: TerminalClientOptions;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly printer: Printer;
  readonly identity: TerminalIdentity;
  readonly timeoutMs: number;
  readonly scanTimeoutMs: number;
  readonly scanQueries: number;
  readonly scanQueryIntervalMs: number;
  readonly reversalAttempts: number;
  readonly cardReads: CardReadFilter;
  /** What the terminal met since its last status report; written with the state. */
  readonly telemetry: TelemetryTally;
  #state: TerminalState;
  readonly recordsByKey = new Map<string, TransactionRecord>();
  readonly reversalsByKey = new Map<string, ReversalRecord>();
  /**
   * Keys of refunds and voids of QR sales sent without an answer yet (isSentUntilAnswered): few, so
   * the client need not scan its journal.
   */
  readonly unansweredRefunds = new Set<string>();
  /** Keys of codes shown (QR orders) whose outcome is not known yet: at most one but after a fault. */
  readonly openOrders = new Set<string>();

  private constructor(options: TerminalClientOptions, state: TerminalState) {
    this.options = options;
    this.journal = options.journal;
    this.clock = options.clock;
    this.printer = options.printer ?? noPrinter;
    this.identity = {
      merchantId: options.merchantId,
      terminalId: options.terminalId,
      tpdu: options.tpdu ?? defaultTpdu,
      header: options.header ?? defaultHeader,
    };
    this.timeoutMs = options.answerTimeoutMs ?? 30_000;
    this.scanTimeoutMs = options.scanAnswerTimeoutMs ?? defaultScanAnswerTimeoutMs;
    this.scanQueries = options.scanQueries ?? 3;
    this.scanQueryIntervalMs = options.scanQueryIntervalMs ?? 5_000;
    this.reversalAttempts = options.reversalAttempts ?? 3;
    this.cardReads = new CardReadFilter(options.doubleReadWindowMs ?? doubleReadWindowMs);
    this.telemetry = new TelemetryTally(state.telemetry);
    this.#state = state;
  }

  /**
   * Loads a terminal from its journal and finishes what a crash left half done: a reversal whose
   * transaction was completed (or answered) is dropped; one whose transaction is still `sending`
   * stays, with the reason it was written with (98 when no answer had come, 96 after an approval).
   */
  static async load(options: TerminalClientOptions): Promise<TerminalCore> {
    const contents = await options.journal.load();
    const state = contents.state;
    if (
      state !== null &&
      (state.merchantId !== options.merchantId || state.terminalId !== options.terminalId)
    ) {
      throw new PosError(
        'POS_ERR_TERMINAL_WRONG_JOURNAL',
        `the journal belongs to terminal ${state.terminalId} of merchant ${state.merchantId}, not ${options.terminalId} of ${options.merchantId}`,
      );
    }
    const core = new TerminalCore(
      options,
      state ?? {
        merchantId: options.merchantId,
        terminalId: options.terminalId,
        batchNo: '000001',
        lastStan: 0,
        tmkHex: null,
        keys: null,
        needsSignIn: false,
      },
    );
    for (const record of contents.records) {
      core.recordsByKey.set(recordKey(record), record);
      if (isSentUntilAnswered(record) && record.state === 'sending')
        core.unansweredRefunds.add(recordKey(record));
      if (isShownCode(record) && record.state === 'sending') core.openOrders.add(recordKey(record));
    }
    for (const reversal of contents.reversals) {
      const record = core.recordsByKey.get(recordKey(reversal));
      if (record !== undefined && record.state !== 'sending') await options.journal.deleteReversal(reversal);
      else core.reversalsByKey.set(recordKey(reversal), reversal);
    }
    core.telemetry.crashesFound(core.pendingReversals(), core.recordsByKey);
    return core;
  }

  get state(): TerminalState {
    return this.#state;
  }

  /** The journal's transactions, oldest first. */
  records(): TransactionRecord[] {
    return [...this.recordsByKey.values()].sort(
      (a, b) => a.createdAt - b.createdAt || a.stan.localeCompare(b.stan),
    );
  }

  pendingReversals(): ReversalRecord[] {
    return [...this.reversalsByKey.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Finds a transaction of the journal by STAN, in the current batch first. */
  findRecord(stan: string): TransactionRecord | undefined {
    const padded = stan.padStart(6, '0');
    return (
      this.recordsByKey.get(recordKey({ batchNo: this.#state.batchNo, stan: padded })) ??
      this.records()
        .reverse()
        .find((r) => r.stan === padded)
    );
  }

  async save(patch: Partial<TerminalState>): Promise<void> {
    const next = { ...this.#state, ...patch, telemetry: this.telemetry.value };
    await this.journal.saveState(next);
    this.#state = next;
  }

  /** Writes what the telemetry tally counted since the last journal write, if anything. */
  async flushTelemetry(): Promise<void> {
    if (this.telemetry.value !== this.#state.telemetry) await this.save({});
  }

  async putRecord(record: TransactionRecord): Promise<TransactionRecord> {
    await this.journal.putRecord(record);
    const key = recordKey(record);
    this.recordsByKey.set(key, record);
    if (isSentUntilAnswered(record) && record.state === 'sending') this.unansweredRefunds.add(key);
    else this.unansweredRefunds.delete(key);
    if (isShownCode(record) && record.state === 'sending') this.openOrders.add(key);
    else this.openOrders.delete(key);
    return record;
  }

  async putReversal(reversal: ReversalRecord): Promise<void> {
    await this.journal.putReversal(reversal);
    this.reversalsByKey.set(recordKey(reversal), reversal);
  }

  async dropReversal(ref: { batchNo: string; stan: string }): Promise<void> {
    await this.journal.deleteReversal(ref);
    this.reversalsByKey.delete(recordKey(ref));
  }

  /** The next STAN, journaled before it is used, so a crash never reuses one. */
  async nextStan(): Promise<number> {
    const stan = (this.#state.lastStan % maxStan) + 1;
    await this.save({ lastStan: stan });
    return stan;
  }

  /** The MAC key last made from the journal's hex, reused while the hex is the same. */
  #lastMacKey: { readonly hex: string; readonly key: Secret<Buffer> } | null = null;

  #macKey(): Secret<Buffer> | null {
    const keys = this.#state.keys;
    if (keys === null) return null;
    // The same key object from one message to the next lets the MAC reuse its DES round keys
    // (des.ts caches them by key object): a new Buffer per message would set them up again.
    if (this.#lastMacKey?.hex !== keys.macKeyHex) {
      this.#lastMacKey = {
        hex: keys.macKeyHex,
        key: new Secret(Buffer.from(keys.macKeyHex, 'hex'), 'MAC key'),
      };
    }
    return this.#lastMacKey.key;
  }

  /** One request and its answer, waiting `timeoutMs` (the terminal's answer timeout by default). */
  async exchange(request: IsoMessage, signed: boolean, timeoutMs = this.timeoutMs): Promise<Exchanged> {
    const macKey = this.#macKey();
    const frame = signed && macKey !== null ? encodeSignedFrame(request, macKey) : encodeFrame(request);
    const sent = await this.options.transport.exchange(frame, { timeoutMs });
    if (sent.kind === 'not-sent') this.telemetry.unreachable(this.clock.now());
    else this.telemetry.reachable(this.clock.now());
    if (sent.kind !== 'answer') return sent;
    const check = checkAnswer(request, sent.frame);
    if (check.kind === 'not-ours') return { kind: 'no-answer', detail: `no valid answer: ${check.detail}` };
    const { message } = check;
    let macOk: boolean | null = null;
    if (message.fields['64'] !== undefined) {
      try {
        macOk = macKey !== null && verifyFrameMac(sent.frame, macKey);
      } catch {
        macOk = false;
      }
    }
    const code = message.fields['39'] ?? '';
    const signInRequired =
      processingRequirementOf(message) === 3 ||
      interpretResponseCode({ code, mti: message.mti }).action === 'sign-in-again';
    if (signInRequired) await this.save({ needsSignIn: true });
    return { kind: 'answer', message, code, macOk, signInRequired };
  }
}
