// The terminal SDK: a client for a CUP POS terminal that follows the safe protocol, so that one
// sale is one charge whatever the network, the printer or the power does (docs/iso8583.md, "The
// terminal SDK"):
//  - it owns the STAN and batch numbers, and writes each new STAN to its journal before using it;
//  - it signs in with its master key, checking the check value of every key it receives;
//  - before it sends a sale or a void it journals the transaction and the reversal record (a 0400
//    without card data); the record stays until the outcome is known;
//  - no answer in time means reason 98, an approval with a bad MAC A0, a crash after an approval
//    but before completion 96: the 0400 goes out before any other financial message, and again
//    until the host answers it (a bounded number of times per call, and on every later call);
//  - a refund (0220, not reversible) without an answer is sent again, with the same STAN, until
//    answered: the host answers a retransmission with its stored answer;
//  - a printer fault leaves the approved transaction in the journal: `reprint` prints it again,
//    asking the host (transaction query) only when the journal lacks the outcome; never a new sale;
//  - the same card read twice within 2 seconds is one read;
//  - `settle` sends the batch totals, and when the host says unbalanced uploads the batch and
//    settles again.
// Time, the network and storage are ports (Clock, Transport, Journal), so tests and the
// simulator run it on a virtual clock over a simulated network.
import { Secret } from '../cards/secret.js';
import { maskPan } from '../cards/card.js';
import type { Clock } from '../clock/clock.js';
import {
  encodeFrame,
  encodeSignedFrame,
  interpretResponseCode,
  isApproval,
  openSignInKeys,
  parseField60,
  parseSettlementTotals,
  verifyFrameMac,
  type IsoMessage,
  type ReversalReason,
  type SettlementTotals,
  type SignInKeyMode,
} from '../iso8583/index.js';
import { PosError } from '../pos-error.js';
import { CardReadFilter, doubleReadWindowMs } from './card-read-filter.js';
import {
  recordKey,
  type Journal,
  type OriginalRef,
  type ReversalRecord,
  type TerminalState,
  type TransactionRecord,
} from './journal.js';
import { noPrinter, receiptOf, type Printer } from './receipt.js';
import {
  balanceRequest,
  checkAnswer,
  defaultHeader,
  defaultTpdu,
  echoRequest,
  processingRequirementOf,
  refundRequest,
  reversalMessage,
  saleRequest,
  settlementRequest,
  signInRequest,
  signOffRequest,
  uploadEndRequest,
  uploadRequest,
  voidRequest,
  type CardInput,
  type TerminalIdentity,
} from './terminal-messages.js';
import type { Transport } from './transport.js';
import { parseQueryAnswer, stateOfHostStatus } from './host-transaction.js';
import type {
  FinancialOutcome,
  ReprintOutcome,
  ReversalsOutcome,
  SaleOutcome,
  SettleOutcome,
  SignInOutcome,
} from './outcomes.js';

export interface TerminalClientOptions {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly transport: Transport;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly printer?: Printer;
  /** How long to wait for each answer (default 30 s; CUP terminals wait 30 to 60 s). */
  readonly answerTimeoutMs?: number;
  /** How many times one call sends each owed reversal before giving up until the next call (default 3). */
  readonly reversalAttempts?: number;
  readonly doubleReadWindowMs?: number;
  readonly tpdu?: string;
  readonly header?: string;
}

const maxStan = 999_999;

function sixDigits(value: number): string {
  return String(value).padStart(6, '0');
}

interface ExchangeAnswer {
  readonly kind: 'answer';
  readonly message: IsoMessage;
  readonly code: string;
  /** null when the answer carries no MAC. */
  readonly macOk: boolean | null;
  readonly signInRequired: boolean;
}

type Exchanged =
  | ExchangeAnswer
  | { readonly kind: 'no-answer'; readonly detail: string }
  | { readonly kind: 'not-sent'; readonly detail: string };

export class TerminalClient {
  readonly #options: TerminalClientOptions;
  readonly #journal: Journal;
  readonly #clock: Clock;
  readonly #printer: Printer;
  readonly #identity: TerminalIdentity;
  readonly #timeoutMs: number;
  readonly #reversalAttempts: number;
  readonly #cardReads: CardReadFilter;
  #state: TerminalState;
  readonly #records = new Map<string, TransactionRecord>();
  readonly #reversals = new Map<string, ReversalRecord>();
  /** Keys of refunds sent without an answer yet: few, so the client need not scan its journal. */
  readonly #unansweredRefunds = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: TerminalClientOptions, state: TerminalState) {
    this.#options = options;
    this.#journal = options.journal;
    this.#clock = options.clock;
    this.#printer = options.printer ?? noPrinter;
    this.#identity = {
      merchantId: options.merchantId,
      terminalId: options.terminalId,
      tpdu: options.tpdu ?? defaultTpdu,
      header: options.header ?? defaultHeader,
    };
    this.#timeoutMs = options.answerTimeoutMs ?? 30_000;
    this.#reversalAttempts = options.reversalAttempts ?? 3;
    this.#cardReads = new CardReadFilter(options.doubleReadWindowMs ?? doubleReadWindowMs);
    this.#state = state;
  }

  /**
   * Opens a terminal on its journal and finishes what a crash left half done: a reversal whose
   * transaction was completed (or answered) is dropped; one whose transaction is still `sending`
   * stays, with the reason it was written with (98 when no answer had come, 96 after an approval).
   */
  static async open(options: TerminalClientOptions): Promise<TerminalClient> {
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
    const client = new TerminalClient(
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
      client.#records.set(recordKey(record), record);
      if (record.kind === 'refund' && record.state === 'sending')
        client.#unansweredRefunds.add(recordKey(record));
    }
    for (const reversal of contents.reversals) {
      const record = client.#records.get(recordKey(reversal));
      if (record !== undefined && record.state !== 'sending') await options.journal.deleteReversal(reversal);
      else client.#reversals.set(recordKey(reversal), reversal);
    }
    return client;
  }

  get state(): TerminalState {
    return this.#state;
  }

  /** The journal's transactions, oldest first. */
  records(): TransactionRecord[] {
    return [...this.#records.values()].sort(
      (a, b) => a.createdAt - b.createdAt || a.stan.localeCompare(b.stan),
    );
  }

  pendingReversals(): ReversalRecord[] {
    return [...this.#reversals.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Finds a transaction of the journal by STAN, in the current batch first. */
  findRecord(stan: string): TransactionRecord | undefined {
    const padded = stan.padStart(6, '0');
    return (
      this.#records.get(recordKey({ batchNo: this.#state.batchNo, stan: padded })) ??
      this.records()
        .reverse()
        .find((r) => r.stan === padded)
    );
  }

  /** Runs operations one at a time, as a terminal does. */
  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #save(patch: Partial<TerminalState>): Promise<void> {
    const next = { ...this.#state, ...patch };
    await this.#journal.saveState(next);
    this.#state = next;
  }

  async #putRecord(record: TransactionRecord): Promise<TransactionRecord> {
    await this.#journal.putRecord(record);
    const key = recordKey(record);
    this.#records.set(key, record);
    if (record.kind === 'refund' && record.state === 'sending') this.#unansweredRefunds.add(key);
    else this.#unansweredRefunds.delete(key);
    return record;
  }

  async #putReversal(reversal: ReversalRecord): Promise<void> {
    await this.#journal.putReversal(reversal);
    this.#reversals.set(recordKey(reversal), reversal);
  }

  async #dropReversal(ref: { batchNo: string; stan: string }): Promise<void> {
    await this.#journal.deleteReversal(ref);
    this.#reversals.delete(recordKey(ref));
  }

  /** The next STAN, journaled before it is used, so a crash never reuses one. */
  async #nextStan(): Promise<number> {
    const stan = (this.#state.lastStan % maxStan) + 1;
    await this.#save({ lastStan: stan });
    return stan;
  }

  #macKey(): Secret<Buffer> | null {
    const keys = this.#state.keys;
    return keys === null ? null : new Secret(Buffer.from(keys.macKeyHex, 'hex'), 'MAC key');
  }

  async #exchange(request: IsoMessage, signed: boolean): Promise<Exchanged> {
    const macKey = this.#macKey();
    const frame = signed && macKey !== null ? encodeSignedFrame(request, macKey) : encodeFrame(request);
    const sent = await this.#options.transport.exchange(frame, { timeoutMs: this.#timeoutMs });
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
    if (signInRequired) await this.#save({ needsSignIn: true });
    return { kind: 'answer', message, code, macOk, signInRequired };
  }

  /** An answer the terminal may act on: an approval must carry a good MAC, anything else a good MAC or none. */
  static #trusted(answer: ExchangeAnswer): { approved: boolean; trusted: boolean } {
    // On a 0230 the codec reads 00 and 94 as "already accepted" (CUP: uploads). For a refund only
    // 00 is an approval: posguard answers a retransmission with its stored answer, and 94 means
    // the STAN was used for another request (docs/iso8583.md).
    const outcome = interpretResponseCode({ code: answer.code, mti: answer.message.mti }).outcome;
    const approved = isApproval(outcome) || (outcome === 'already-accepted' && answer.code === '00');
    return { approved, trusted: approved ? answer.macOk === true : answer.macOk !== false };
  }

  // ---- Session -------------------------------------------------------------------------------

  /** Loads the terminal master key (hex, 16 or 32 digits), as a key-injection device would. */
  setMasterKey(tmk: Secret<Buffer>): Promise<void> {
    return this.#serially(() => this.#save({ tmkHex: tmk.reveal().toString('hex').toUpperCase() }));
  }

  /**
   * Signs in. With `tmk`, signs in under that master key and keeps it only when the host's keys
   * open under it with every check value matching: a wrong key never replaces a good one.
   */
  signIn(
    input: { mode?: SignInKeyMode; operatorId?: string; tmk?: Secret<Buffer> } = {},
  ): Promise<SignInOutcome> {
    return this.#serially(() => this.#signIn(input));
  }

  async #signIn(input: {
    mode?: SignInKeyMode;
    operatorId?: string;
    tmk?: Secret<Buffer>;
  }): Promise<SignInOutcome> {
    const tmkHex = input.tmk?.reveal().toString('hex').toUpperCase() ?? this.#state.tmkHex;
    if (tmkHex === null) {
      throw new PosError(
        'POS_ERR_TERMINAL_NO_MASTER_KEY',
        `terminal ${this.#identity.terminalId} has no terminal master key (TMK): load it before signing in`,
      );
    }
    const mode = input.mode ?? '003';
    const stan = await this.#nextStan();
    const request = signInRequest({
      identity: this.#identity,
      stan,
      batchNo: this.#state.batchNo,
      mode,
      operatorId: input.operatorId ?? null,
    });
    const answer = await this.#exchange(request, false);
    if (answer.kind !== 'answer') return { kind: 'no-answer', detail: answer.detail };
    if (answer.code !== '00') {
      return {
        kind: 'refused',
        code: answer.code,
        message: interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message,
      };
    }
    // Throws POS_ERR_ISO_KEY_CHECK_FAILED when a check value does not match: a wrong TMK.
    const keys = openSignInKeys({
      mode,
      tmk: new Secret(Buffer.from(tmkHex, 'hex'), 'terminal master key'),
      field62: answer.message.fields['62'] ?? '',
    });
    const batchNo = sixDigits(parseField60(answer.message.fields['60'] ?? '').batchNumber);
    await this.#save({
      ...(input.tmk === undefined ? {} : { tmkHex }),
      batchNo,
      needsSignIn: false,
      keys: {
        mode,
        pinKeyHex: keys.pinKey.reveal().toString('hex').toUpperCase(),
        macKeyHex: keys.macKey.reveal().toString('hex').toUpperCase(),
        issuedAt: this.#clock.now(),
      },
    });
    return { kind: 'signed-in', batchNo, mode };
  }

  /** Signs in when there are no keys or the host asked for it; the reason when it cannot. */
  async #ensureSession(): Promise<string | undefined> {
    if (this.#state.keys !== null && !this.#state.needsSignIn) return undefined;
    if (this.#state.tmkHex === null) {
      throw new PosError(
        'POS_ERR_TERMINAL_NOT_SIGNED_IN',
        `terminal ${this.#identity.terminalId} has no session keys and no master key to sign in with: sign in first`,
      );
    }
    const signedIn = await this.#signIn({});
    if (signedIn.kind === 'signed-in') return undefined;
    return signedIn.kind === 'refused'
      ? `sign-in refused: ${signedIn.code} ${signedIn.message}`
      : `sign-in got no answer: ${signedIn.detail}`;
  }

  signOff(): Promise<{ readonly code: string } | { readonly kind: 'no-answer'; readonly detail: string }> {
    return this.#serially(async () => {
      const stan = await this.#nextStan();
      const answer = await this.#exchange(
        signOffRequest({ identity: this.#identity, stan, batchNo: this.#state.batchNo }),
        true,
      );
      if (answer.kind !== 'answer') return { kind: 'no-answer', detail: answer.detail };
      if (answer.code === '00') await this.#save({ keys: null });
      return { code: answer.code };
    });
  }

  echo(): Promise<{ readonly code: string } | { readonly kind: 'no-answer'; readonly detail: string }> {
    return this.#serially(async () => {
      const stan = await this.#nextStan();
      const answer = await this.#exchange(
        echoRequest({ identity: this.#identity, stan, batchNo: this.#state.batchNo }),
        false,
      );
      return answer.kind === 'answer' ? { code: answer.code } : { kind: 'no-answer', detail: answer.detail };
    });
  }

  // ---- Reversals and unanswered refunds --------------------------------------------------------

  /** Sends every owed reversal (and every unanswered refund) now: `reversal-status`. */
  sendReversals(): Promise<ReversalsOutcome> {
    return this.#serially(async () => {
      const reason = await this.#ensureSession();
      if (reason !== undefined) return { delivered: 0, pending: this.#reversals.size, refundsAnswered: 0 };
      return this.#flush();
    });
  }

  async #flush(): Promise<ReversalsOutcome> {
    let delivered = 0;
    for (const owed of this.pendingReversals()) {
      if (await this.#deliverReversal(owed)) delivered += 1;
    }
    let refundsAnswered = 0;
    // Unanswered refunds are rare: filter before sorting, so a long journal costs a scan, not a sort.
    const unanswered = [...this.#unansweredRefunds]
      .map((key) => this.#records.get(key))
      .filter((r): r is TransactionRecord => r !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt || a.stan.localeCompare(b.stan));
    for (const record of unanswered) {
      const outcome = await this.#sendRefund(record);
      if (outcome.kind !== 'unanswered') refundsAnswered += 1;
    }
    return { delivered, pending: this.#reversals.size, refundsAnswered };
  }

  /** Sends one reversal until the host answers it, at most `reversalAttempts` times. */
  async #deliverReversal(owed: ReversalRecord): Promise<boolean> {
    for (let attempt = 0; attempt < this.#reversalAttempts; attempt += 1) {
      if ((await this.#ensureSession()) !== undefined) return false;
      const current = this.#reversals.get(recordKey(owed)) ?? owed;
      await this.#putReversal({ ...current, attempts: current.attempts + 1 });
      const answer = await this.#exchange(current.message, true);
      if (answer.kind !== 'answer') continue;
      // An acknowledgement that cannot be trusted, a MAC refusal (sign in, then again) or a host
      // fault: the reversal stays owed. Any other answer means the host has dealt with it.
      if (answer.code === '00' && answer.macOk !== true) continue;
      if (answer.signInRequired || answer.code === '96') continue;
      const record = this.#records.get(recordKey(owed));
      if (record?.state === 'sending') {
        await this.#putRecord({
          ...record,
          state: 'reversed',
          message: `reversed (reason ${current.message.fields['39'] ?? '?'}): the card is not charged`,
          updatedAt: this.#clock.now(),
        });
      }
      await this.#dropReversal(owed);
      return true;
    }
    return false;
  }

  /** Signs in if needed and delivers owed reversals; a reason not to send when one is still owed. */
  async #readyForMoney(): Promise<{ kind: 'blocked'; detail: string; pendingReversals: number } | undefined> {
    const session = await this.#ensureSession();
    if (session !== undefined)
      return { kind: 'blocked', detail: session, pendingReversals: this.#reversals.size };
    await this.#flush();
    if (this.#reversals.size === 0) return undefined;
    return {
      kind: 'blocked',
      detail: `${this.#reversals.size} reversal(s) not yet acknowledged by the host: they go first, nothing else was sent`,
      pendingReversals: this.#reversals.size,
    };
  }

  // ---- Money -------------------------------------------------------------------------------------

  /**
   * A sale. A second read of the same card within the double-read window is ignored (no second
   * sale). `confirmDuplicate` is the operator's confirmation of a genuine second purchase after the
   * host answered 94 (suspected duplicate); it goes out with a new STAN.
   */
  sale(input: {
    amount: number;
    card: CardInput;
    operatorId?: string | null;
    confirmDuplicate?: boolean;
  }): Promise<SaleOutcome> {
    const read = this.#cardReads.accept(input.card.pan, this.#clock.now());
    if (read.kind === 'repeat') return Promise.resolve({ kind: 'ignored-double-read', stan: read.stan });
    const operatorId = input.operatorId ?? null;
    return this.#serially(() =>
      this.#reversible({
        kind: 'sale',
        amount: input.amount,
        cardMasked: maskPan(input.card.pan),
        entryMode: input.card.entryMode,
        operatorId,
        original: null,
        onStan: (stan) => this.#cardReads.started(stan),
        build: (common) =>
          saleRequest({
            ...common,
            amount: input.amount,
            card: input.card,
            operatorId,
            confirmDuplicate: input.confirmDuplicate ?? false,
          }),
      }),
    );
  }

  /** Voids an approved sale of the journal (by STAN), or one named explicitly. */
  void(input: {
    stan?: string;
    original?: OriginalRef;
    operatorId?: string | null;
  }): Promise<FinancialOutcome> {
    return this.#serially(() => {
      const original = input.original ?? this.#originalOf(input.stan, 'void');
      const operatorId = input.operatorId ?? null;
      return this.#reversible({
        kind: 'void',
        amount: original.amount,
        cardMasked: this.findRecord(original.stan)?.cardMasked ?? null,
        entryMode: null,
        operatorId,
        original,
        build: (common) => voidRequest({ ...common, original, operatorId }),
      });
    });
  }

  /** Refunds part or all of a sale of the journal (by STAN), or one named explicitly. */
  refund(input: {
    stan?: string;
    original?: OriginalRef;
    amount: number;
    operatorId?: string | null;
  }): Promise<FinancialOutcome> {
    return this.#serially(async () => {
      const original = input.original ?? this.#originalOf(input.stan, 'refund');
      const blocked = await this.#readyForMoney();
      if (blocked !== undefined) return blocked;
      const stan = await this.#nextStan();
      const now = this.#clock.now();
      const record = await this.#putRecord({
        batchNo: this.#state.batchNo,
        stan: sixDigits(stan),
        kind: 'refund',
        state: 'sending',
        amount: input.amount,
        cardMasked: this.findRecord(original.stan)?.cardMasked ?? null,
        entryMode: null,
        operatorId: input.operatorId ?? null,
        original,
        responseCode: null,
        message: null,
        rrn: null,
        authCode: null,
        uploaded: false,
        printed: false,
        createdAt: now,
        updatedAt: now,
      });
      return this.#sendRefund(record);
    });
  }

  /** Sends (or sends again, same STAN) the refund of a journal record and records its answer. */
  async #sendRefund(record: TransactionRecord): Promise<FinancialOutcome> {
    const original = record.original;
    if (original === null)
      throw new PosError('POS_ERR_TERMINAL_UNKNOWN_TRANSACTION', 'a refund record without its original');
    const request = refundRequest({
      identity: this.#identity,
      stan: Number(record.stan),
      batchNo: record.batchNo,
      original,
      amount: record.amount,
      operatorId: record.operatorId,
    });
    const answer = await this.#exchange(request, true);
    if (answer.kind === 'not-sent') {
      return { kind: 'unanswered', record };
    }
    if (answer.kind !== 'answer' || !TerminalClient.#trusted(answer).trusted)
      return { kind: 'unanswered', record };
    return this.#finish(record, answer);
  }

  /** Records a trusted answer to a request: approved (then printed) or declined. */
  async #finish(record: TransactionRecord, answer: ExchangeAnswer): Promise<FinancialOutcome> {
    const { approved } = TerminalClient.#trusted(answer);
    const fields = answer.message.fields;
    const text = fields['63']?.slice(3).trim();
    const meaning = interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message;
    const finished = await this.#putRecord({
      ...record,
      state: approved ? 'approved' : 'declined',
      responseCode: answer.code,
      message: text === undefined || text === '' ? meaning : text,
      rrn: fields['37'] ?? record.rrn,
      authCode: approved ? (fields['38'] ?? null) : null,
      updatedAt: this.#clock.now(),
    });
    if (!approved) return { kind: 'declined', record: finished, signInRequired: answer.signInRequired };
    return this.#print(finished, false);
  }

  async #print(
    record: TransactionRecord,
    reprint: boolean,
  ): Promise<FinancialOutcome & { kind: 'approved' }> {
    const receipt = receiptOf(record, {
      merchantId: this.#identity.merchantId,
      terminalId: this.#identity.terminalId,
      reprint,
    });
    try {
      await this.#printer.print(receipt);
    } catch {
      // A printer fault: the transaction stands, and the operator reprints it from the journal.
      return { kind: 'approved', record, receipt, printed: false };
    }
    const printed = await this.#putRecord({ ...record, printed: true });
    return { kind: 'approved', record: printed, receipt, printed: true };
  }

  #originalOf(stan: string | undefined, what: string): OriginalRef {
    const sale = stan === undefined ? undefined : this.findRecord(stan);
    if (sale?.kind !== 'sale' || sale.state !== 'approved' || sale.rrn === null) {
      throw new PosError(
        'POS_ERR_TERMINAL_UNKNOWN_TRANSACTION',
        `${what}: expected the STAN of an approved sale in this terminal's journal, got ${stan === undefined ? 'none' : JSON.stringify(stan)}${
          sale === undefined ? '' : ` (a ${sale.kind} that is ${sale.state})`
        }`,
      );
    }
    const local = new Date(sale.createdAt + 8 * 3600 * 1000).toISOString();
    return {
      batchNo: sale.batchNo,
      stan: sale.stan,
      rrn: sale.rrn,
      authCode: sale.authCode,
      date: `${local.slice(5, 7)}${local.slice(8, 10)}`,
      amount: sale.amount,
    };
  }

  /**
   * A reversible request (sale, void): journal the transaction and its reversal record, send,
   * then settle the outcome; see the file header for each case.
   */
  async #reversible(spec: {
    kind: 'sale' | 'void';
    amount: number;
    cardMasked: string | null;
    entryMode: TransactionRecord['entryMode'];
    operatorId: string | null;
    original: OriginalRef | null;
    onStan?: (stan: string) => void;
    build: (common: { identity: TerminalIdentity; stan: number; batchNo: string }) => IsoMessage;
  }): Promise<FinancialOutcome> {
    const blocked = await this.#readyForMoney();
    if (blocked !== undefined) return blocked;
    const stan = await this.#nextStan();
    spec.onStan?.(sixDigits(stan));
    const batchNo = this.#state.batchNo;
    const request = spec.build({ identity: this.#identity, stan, batchNo });
    const now = this.#clock.now();
    const ref = { batchNo, stan: sixDigits(stan) };
    await this.#putReversal({
      ...ref,
      reason: 'no-answer',
      message: reversalMessage(request, 'no-answer'),
      attempts: 0,
      createdAt: now,
    });
    let record = await this.#putRecord({
      ...ref,
      kind: spec.kind,
      state: 'sending',
      amount: spec.amount,
      cardMasked: spec.cardMasked,
      entryMode: spec.entryMode,
      operatorId: spec.operatorId,
      original: spec.original,
      responseCode: null,
      message: null,
      rrn: null,
      authCode: null,
      uploaded: false,
      printed: false,
      createdAt: now,
      updatedAt: now,
    });
    const answer = await this.#exchange(request, true);
    if (answer.kind === 'not-sent') {
      record = await this.#putRecord({
        ...record,
        state: 'not-sent',
        message: answer.detail,
        updatedAt: this.#clock.now(),
      });
      await this.#dropReversal(ref);
      return { kind: 'not-sent', record, detail: answer.detail };
    }
    if (answer.kind === 'no-answer') return this.#reverseNow(record, request, 'no-answer');
    const { approved, trusted } = TerminalClient.#trusted(answer);
    if (!trusted) {
      return this.#reverseNow(
        record,
        request,
        'mac-failed',
        approved ? answer.message.fields['38'] : undefined,
      );
    }
    if (approved) {
      // From here until the record is completed, a crash means reason 96: approved, not finished.
      const authCode = answer.message.fields['38'];
      await this.#putReversal({
        ...ref,
        reason: 'terminal-failed',
        message: reversalMessage(request, 'terminal-failed', authCode),
        attempts: 0,
        createdAt: now,
      });
    }
    const outcome = await this.#finish(record, answer);
    await this.#dropReversal(ref);
    return outcome;
  }

  async #reverseNow(
    record: TransactionRecord,
    request: IsoMessage,
    reason: ReversalReason,
    authCode?: string,
  ): Promise<FinancialOutcome> {
    const ref = { batchNo: record.batchNo, stan: record.stan };
    const owed: ReversalRecord = {
      ...ref,
      reason,
      message: reversalMessage(request, reason, authCode),
      attempts: 0,
      createdAt: record.createdAt,
    };
    await this.#putReversal(owed);
    const delivered = await this.#deliverReversal(owed);
    const current = this.#records.get(recordKey(ref)) ?? record;
    return delivered
      ? { kind: 'reversed', record: current, reason }
      : { kind: 'reversal-pending', record: current, reason };
  }

  /** A balance inquiry: no money moves, nothing to reverse. Field 54's amount in fen. */
  balance(input: {
    card: CardInput;
  }): Promise<
    | { readonly kind: 'balance'; readonly balanceMinor: number; readonly code: string }
    | { readonly kind: 'declined'; readonly code: string; readonly message: string }
    | { readonly kind: 'no-answer' | 'blocked'; readonly detail: string }
  > {
    return this.#serially(async () => {
      const blocked = await this.#readyForMoney();
      if (blocked !== undefined) return { kind: 'blocked', detail: blocked.detail };
      const stan = await this.#nextStan();
      const answer = await this.#exchange(
        balanceRequest({ identity: this.#identity, stan, batchNo: this.#state.batchNo, card: input.card }),
        true,
      );
      if (answer.kind !== 'answer') return { kind: 'no-answer', detail: answer.detail };
      const field54 = answer.message.fields['54'];
      if (answer.code !== '00' || answer.macOk !== true || field54 === undefined) {
        return {
          kind: 'declined',
          code: answer.code,
          message: interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message,
        };
      }
      const sign = field54.slice(7, 8) === 'D' ? -1 : 1;
      return { kind: 'balance', balanceMinor: sign * Number(field54.slice(8, 20)), code: answer.code };
    });
  }

  // ---- Reprint -----------------------------------------------------------------------------------

  /**
   * Prints a transaction again (the latest, or the one with `stan`): from the journal when it has
   * the outcome; otherwise from the host's answer to a transaction query. Never runs anything again.
   */
  reprint(input: { stan?: string } = {}): Promise<ReprintOutcome> {
    return this.#serially(async () => {
      if (this.#reversals.size > 0 && (await this.#ensureSession()) === undefined) await this.#flush();
      const latest = this.records().at(-1);
      const record = input.stan === undefined ? latest : this.findRecord(input.stan);
      if (record !== undefined && record.state !== 'sending') {
        const printed = await this.#print(record, true);
        return {
          kind: 'reprinted',
          source: 'journal',
          record: printed.record,
          receipt: printed.receipt,
          printed: printed.printed,
        };
      }
      if (record !== undefined && this.#reversals.has(recordKey(record))) {
        return {
          kind: 'outcome-unknown',
          record,
          detail:
            'a reversal is owed for it and the host has not acknowledged it yet: once it does, nothing is charged. Do not run it again.',
        };
      }
      return this.#reprintFromHost(record, input.stan);
    });
  }

  async #reprintFromHost(
    record: TransactionRecord | undefined,
    stan: string | undefined,
  ): Promise<ReprintOutcome> {
    const session = await this.#ensureSession();
    if (session !== undefined) return { kind: 'outcome-unknown', record: record ?? null, detail: session };
    const query =
      record !== undefined
        ? `${record.batchNo}${record.stan}`
        : stan === undefined
          ? ''
          : `${this.#state.batchNo}${stan.padStart(6, '0')}`;
    const queryStan = await this.#nextStan();
    const answer = await this.#exchange(
      echoRequest({ identity: this.#identity, stan: queryStan, batchNo: this.#state.batchNo, query }),
      true,
    );
    if (answer.kind !== 'answer')
      return {
        kind: 'outcome-unknown',
        record: record ?? null,
        detail: `the host could not be asked: ${answer.detail}`,
      };
    if (answer.code !== '00' || answer.macOk !== true) {
      return { kind: 'not-found', detail: `the host has no such transaction (${answer.code})` };
    }
    const host = parseQueryAnswer(answer.message.fields['63'] ?? '');
    const state = stateOfHostStatus(host.status);
    if (state === 'sending') {
      return {
        kind: 'outcome-unknown',
        record: record ?? null,
        detail: 'the host is still waiting for the issuer: ask again shortly',
      };
    }
    const from: TransactionRecord = {
      batchNo: host.batchNo ?? record?.batchNo ?? this.#state.batchNo,
      stan: host.stan ?? record?.stan ?? '000000',
      kind: host.kind === 'void' || host.kind === 'refund' ? host.kind : 'sale',
      state,
      amount: host.amount,
      cardMasked: host.cardMasked,
      entryMode: record?.entryMode ?? null,
      operatorId: record?.operatorId ?? null,
      original: record?.original ?? null,
      responseCode: host.responseCode,
      message: `from the host: ${host.status}`,
      rrn: host.rrn,
      authCode: host.authCode,
      uploaded: record?.uploaded ?? false,
      printed: false,
      createdAt: record?.createdAt ?? this.#clock.now(),
      updatedAt: this.#clock.now(),
    };
    // A journal record whose outcome was missing gets it now; a transaction the journal never had
    // is printed, not added: the batch totals stay what this terminal itself did.
    const known = record === undefined ? from : await this.#putRecord(from);
    const receipt = receiptOf(known, {
      merchantId: this.#identity.merchantId,
      terminalId: this.#identity.terminalId,
      reprint: true,
    });
    try {
      await this.#printer.print(receipt);
    } catch {
      return { kind: 'reprinted', source: 'host', record: known, receipt, printed: false };
    }
    return { kind: 'reprinted', source: 'host', record: known, receipt, printed: true };
  }

  // ---- Settlement --------------------------------------------------------------------------------

  /** The terminal's totals of its current batch: standing sales (not voided) and approved refunds. */
  batchTotals(): SettlementTotals {
    const batch = this.#state.batchNo;
    const inBatch = this.records().filter((r) => r.batchNo === batch && r.state === 'approved');
    const voided = new Set(
      inBatch
        .filter((r) => r.kind === 'void' && r.original !== null)
        .map((r) => recordKey(r.original as OriginalRef)),
    );
    const sales = inBatch.filter((r) => r.kind === 'sale' && !voided.has(recordKey(r)));
    const refunds = inBatch.filter((r) => r.kind === 'refund');
    const sum = (list: TransactionRecord[]): number => list.reduce((total, r) => total + r.amount, 0);
    return {
      cny: {
        debitTotalMinor: sum(sales),
        debitCount: sales.length,
        creditTotalMinor: sum(refunds),
        creditCount: refunds.length,
        check: 'not-checked',
      },
      foreign: {
        debitTotalMinor: 0,
        debitCount: 0,
        creditTotalMinor: 0,
        creditCount: 0,
        check: 'not-checked',
      },
    };
  }

  /** The records a batch upload sends: those the totals count. */
  #uploadable(): TransactionRecord[] {
    const batch = this.#state.batchNo;
    const inBatch = this.records().filter((r) => r.batchNo === batch && r.state === 'approved');
    const voided = new Set(
      inBatch
        .filter((r) => r.kind === 'void' && r.original !== null)
        .map((r) => recordKey(r.original as OriginalRef)),
    );
    return inBatch.filter((r) => (r.kind === 'sale' && !voided.has(recordKey(r))) || r.kind === 'refund');
  }

  /** Day end: settle; when unbalanced, upload the batch and settle once more. */
  settle(): Promise<SettleOutcome> {
    return this.#serially(async () => {
      const blocked = await this.#readyForMoney();
      if (blocked !== undefined) return blocked;
      let first = await this.#settleOnce(0);
      if (first.kind === 'refused' && this.#state.needsSignIn) {
        // The host asked for a new sign-in (keys stale or replaced): sign in and settle once more.
        const session = await this.#ensureSession();
        if (session !== undefined)
          return { kind: 'blocked', detail: session, pendingReversals: this.#reversals.size };
        first = await this.#settleOnce(0);
      }
      if (first.kind !== 'unbalanced') return first;
      const uploaded = await this.#uploadBatch();
      if (typeof uploaded === 'string') return { kind: 'no-answer', detail: uploaded };
      return this.#settleOnce(uploaded);
    });
  }

  async #settleOnce(uploaded: number): Promise<SettleOutcome> {
    const batchNo = this.#state.batchNo;
    const totals = this.batchTotals();
    const stan = await this.#nextStan();
    const answer = await this.#exchange(
      settlementRequest({ identity: this.#identity, stan, batchNo, totals }),
      true,
    );
    if (answer.kind !== 'answer') return { kind: 'no-answer', detail: answer.detail };
    const meaning = interpretResponseCode({ code: answer.code, mti: answer.message.mti }).message;
    if (answer.code !== '00' || answer.macOk !== true) {
      return {
        kind: 'refused',
        code: answer.code,
        message: answer.code === '00' ? 'the answer MAC does not match' : meaning,
      };
    }
    const checked = parseSettlementTotals(answer.message.fields['48'] ?? '');
    if (checked.cny.check === 'balanced' && checked.foreign.check === 'balanced') {
      // The batch is closed: the next one starts; the records of the closed batch stay for reprints.
      const next = sixDigits(Number(batchNo) >= maxStan ? 1 : Number(batchNo) + 1);
      await this.#save({ batchNo: next });
      await this.#journal.pruneRecords([batchNo, next]);
      for (const [key, record] of this.#records)
        if (record.batchNo !== batchNo && record.batchNo !== next) {
          this.#records.delete(key);
          this.#unansweredRefunds.delete(key);
        }
      return { kind: 'balanced', batchNo, totals, uploaded };
    }
    return { kind: 'unbalanced', batchNo, totals, uploaded };
  }

  /** Uploads every counted record (00 or 94: accepted), then the closing 0320; the count, or why not. */
  async #uploadBatch(): Promise<number | string> {
    const batchNo = this.#state.batchNo;
    const records = this.#uploadable();
    for (const record of records) {
      if (record.uploaded) continue;
      const answer = await this.#exchange(uploadRequest({ identity: this.#identity, batchNo, record }), true);
      if (answer.kind !== 'answer') return `batch upload of STAN ${record.stan}: ${answer.detail}`;
      if (
        interpretResponseCode({ code: answer.code, mti: answer.message.mti }).outcome !== 'already-accepted'
      ) {
        return `batch upload of STAN ${record.stan} refused: ${answer.code}`;
      }
      await this.#putRecord({ ...record, uploaded: true, updatedAt: this.#clock.now() });
    }
    const stan = await this.#nextStan();
    const end = await this.#exchange(
      uploadEndRequest({ identity: this.#identity, stan, batchNo, count: records.length }),
      true,
    );
    if (end.kind !== 'answer') return `closing batch upload: ${end.detail}`;
    if (interpretResponseCode({ code: end.code, mti: end.message.mti }).outcome !== 'already-accepted') {
      return `closing batch upload refused: ${end.code}`;
    }
    return records.length;
  }

  close(): Promise<void> {
    return this.#serially(() => this.#options.transport.close());
  }
}
