// A terminal running posguard's terminal SDK, and its operator, in the simulated day. The SDK does
// the safe protocol (journal first, reverse what is unknown, reprint instead of re-run, one read of
// a card read twice); the operator answers a duplicate prompt the way a person at the counter does
// (a customer who already paid is not charged again; one who genuinely buys again is confirmed), and
// runs a failed sale again after a moment. A terminal that dies mid-sale is opened again on its
// journal, which owes the host a reversal. A QR sale is the SDK's scan of the payment code the
// customer's wallet app shows, under the SDK's safe protocol: while an earlier scan is unresolved
// the SDK sends no new code (blocked) and the cashier waits; a scan without an answer is settled by
// asking the host, then reversed; a terminal that died with a scan out settles it before the
// cashier asks the customer for anything.
import { assert } from '../../assert.js';
import type { Secret } from '../../cards/secret.js';
import type { SaleOutcome } from '../../terminal/outcomes.js';
import { TerminalClient } from '../../terminal/terminal-client.js';
import { MemoryJournal } from '../../terminal/memory-journal.js';
import type { TransactionRecord } from '../../terminal/journal.js';
import type { Printer } from '../../terminal/receipt.js';
import type { Transport, TransportResult } from '../../terminal/transport.js';
import { isoIdempotencyKey } from '../../iso-host/idempotency-key.js';
import { orderNoFor } from '../../payments/qr-order.js';
import type { AttemptCause } from '../accounting.js';
import { FleetDevice, retransmitAfterMs } from '../fleet-device.js';
import { operatorAt, type FaultSubjects } from '../fleet.js';
import { panOf, type Intent, type PaymentMethod } from '../intents.js';
import type { SimNetwork } from '../network.js';
import type { SimContext } from '../sim-context.js';
import type { SimWallets } from '../sim-wallets.js';

/** Sale runs for one customer, at most: then the customer pays another way. */
const maxRuns = 4;
/** Rounds of waiting for an owed reversal to go through before a sale can be sent. */
const maxBlockedWaits = 40;
/** A terminal settles its batch when it holds this many transactions (CUP batches hold 999). */
const settleEvery = 300;

export class GuardedTerminal {
  readonly terminalId: string;
  readonly journal = new MemoryJournal();
  /** Every transaction the terminal showed today, across batches (settling prunes the journal). */
  readonly #shown = new Map<string, TransactionRecord>();
  #served = 0;
  #client: TerminalClient | undefined;
  /** Who the next new sale on the wire belongs to, why it was sent, and how it is paid. */
  #current: { intent: number; cause: AttemptCause; method: PaymentMethod } | undefined;
  /** The printer's next occasion (intent, run, print number). */
  #printing: Array<string | number> = [];
  /** The attempt key of the last new sale this terminal sent. */
  #lastSaleKey = '';
  /** Set while a run is meant to die after its request left. */
  #dieAfterSend: (() => void) | undefined;
  /** In a fleet with culprits: the device's own reports and habits (fleet-device.ts). */
  readonly #device: FleetDevice | undefined;
  /** Who meets the faults of the customer being served: this terminal and its operator. */
  #who: FaultSubjects;

  constructor(
    private readonly sim: SimContext,
    private readonly network: SimNetwork,
    private readonly options: {
      readonly merchantId: string;
      readonly terminalIndex: number;
      readonly tmk: Secret<Buffer>;
      readonly timeoutMs: number;
      /** The customers' wallets, when the day has QR sales. */
      readonly wallets?: SimWallets;
      /** When the day opens: a fleet terminal reports its status every hour from then. */
      readonly dayStartMs: number;
    },
  ) {
    this.terminalId = `T${String(options.terminalIndex).padStart(7, '0')}`;
    this.#who = { terminal: options.terminalIndex };
    const fleetTerminal = sim.fleet?.terminals.get(options.terminalIndex);
    this.#device =
      sim.fleet === undefined || fleetTerminal === undefined
        ? undefined
        : new FleetDevice(sim.fleet, fleetTerminal, options.dayStartMs);
    network.onNewSale = (key) => {
      const current = this.#current;
      if (current === undefined) return undefined;
      const attempt = sim.registerAttempt(key, current.intent, current.cause);
      this.#lastSaleKey = key;
      if (current.method === 'qr') {
        // The host names the wallet order after the sale's key: terminal, batch and STAN.
        const [terminalId = '', batchNo = '', stan = ''] = key.split(':');
        sim.registerOrder(
          orderNoFor(options.merchantId, isoIdempotencyKey({ terminalId, batchNo, stan })),
          key,
        );
      }
      return attempt;
    };
  }

  get client(): TerminalClient {
    if (this.#client === undefined) throw new Error('the terminal is not open');
    return this.#client;
  }

  /** Opens the SDK on the terminal's journal (again, after a crash) and signs in. */
  async open(): Promise<void> {
    const printer: Printer = {
      print: () =>
        this.sim.strikesAt(this.#who, 'printer_failure', null, ...this.#printing)
          ? Promise.reject(new Error('the printer jammed'))
          : Promise.resolve(),
    };
    const transport: Transport = {
      exchange: (request, options) => this.#exchange(request, options),
      close: () => Promise.resolve(),
    };
    this.#client = await TerminalClient.open({
      merchantId: this.options.merchantId,
      terminalId: this.terminalId,
      transport,
      journal: this.journal,
      clock: this.sim.clock,
      printer,
      answerTimeoutMs: this.options.timeoutMs,
    });
    if (this.#client.state.tmkHex === null) await this.#client.setMasterKey(this.options.tmk);
    await this.signIn();
  }

  async signIn(): Promise<void> {
    for (let tries = 0; tries < 100; tries += 1) {
      const outcome = await this.client.signIn();
      if (outcome.kind === 'signed-in') return;
      await this.sim.clock.sleep(5_000);
    }
  }

  #exchange(request: Buffer, options: { readonly timeoutMs: number }): Promise<TransportResult> {
    const die = this.#dieAfterSend;
    if (die === undefined) {
      const answer = this.network.exchange(request, options);
      this.#retransmitIfOld(request, options);
      return answer;
    }
    // The hardware fails once the request is on the wire: it reaches the host, the terminal never
    // hears back, and this SDK instance is gone.
    this.#dieAfterSend = undefined;
    void this.network.exchange(request, options);
    die();
    return new Promise<TransportResult>(() => undefined);
  }

  /** Old software's retry bug (a fleet's culprit): a sale goes out again, same trace number, a moment later. */
  #retransmitIfOld(request: Buffer, options: { readonly timeoutMs: number }): void {
    if (this.#device?.terminal.culprit !== 'software') return;
    const facts = this.sim.frameFacts(request);
    const attempt = facts === null || facts.mti !== '0200' ? undefined : this.sim.attempts.get(facts.key);
    const afterMs =
      attempt === undefined ? null : retransmitAfterMs(this.sim.fleet, this.options.terminalIndex, attempt);
    if (afterMs === null) return;
    void (async () => {
      await this.sim.clock.sleep(afterMs);
      // The copy's answer goes nowhere: the SDK waits for the first one only.
      await this.network.exchange(request, options);
    })();
  }

  /** The operator at the counter for this customer: a fleet's morning or afternoon one, or 01. */
  #operatorOf(intent: Intent): string {
    const fleet = this.sim.fleet;
    return fleet === undefined ? '01' : operatorAt(fleet, this.options.terminalIndex, intent.atMs);
  }

  async #sale(
    intent: Intent,
    run: number,
    cause: AttemptCause,
    confirm: boolean,
  ): Promise<SaleOutcome | 'died'> {
    this.#current = { intent: intent.id, cause, method: intent.method };
    this.#printing = [intent.id, run, 0];
    const card = { pan: panOf(intent.card), expiry: '2812', entryMode: 'chip' as const };
    const operatorId = this.#operatorOf(intent);
    const died = new Promise<'died'>((resolve) => {
      if (this.sim.strikesAt(this.#who, 'reader_error_after_send', null, intent.id, run, 'reader')) {
        this.#dieAfterSend = () => resolve('died');
      }
    });
    if (intent.method === 'card') this.#device?.cardRead(intent.id);
    const sale =
      intent.method === 'qr'
        ? this.#scan(intent, confirm)
        : this.client.sale({ amount: intent.amount, card, operatorId, confirmDuplicate: confirm });
    if (
      intent.method === 'card' &&
      run === 0 &&
      this.sim.strikesAt(this.#who, 'card_double_read', null, intent.id, run)
    ) {
      // The reader delivers the same read again a moment later, while the sale is out.
      await this.sim.clock.sleep(300);
      await this.client.sale({ amount: intent.amount, card, operatorId });
    }
    const outcome = await Promise.race([sale, died]);
    this.#dieAfterSend = undefined;
    if (outcome === 'died') {
      await this.sim.clock.sleep(10_000);
      await this.open();
    }
    return outcome;
  }

  /**
   * The cashier scans the customer's code (the app shows a fresh one each time it is opened). The
   * SDK sends it only once every earlier scan is resolved; a code it holds back is never paid.
   */
  #scan(intent: Intent, confirm: boolean): Promise<SaleOutcome> {
    const wallets = this.options.wallets;
    assert(wallets !== undefined, 'a day with QR sales has wallets');
    const code = wallets.codeFor(intent);
    const operatorId = this.#operatorOf(intent);
    return this.client.scan({ amount: intent.amount, code, operatorId, confirmDuplicate: confirm });
  }

  /**
   * After the terminal died with a scan out: it settles the scan as the SDK does on its next call
   * (the host is asked, then the reversal goes), and the cashier reads the outcome before asking
   * the customer for anything. True when the host says this intent's scan was paid (the terminal
   * may have died on an earlier exchange of the run, before this scan left).
   */
  async #settledAfterDeath(intent: Intent): Promise<boolean> {
    const key = this.#lastSaleKey;
    for (let round = 0; round < maxBlockedWaits && this.client.pendingReversals().length > 0; round += 1) {
      await this.client.sendReversals();
      if (this.client.pendingReversals().length > 0) await this.sim.clock.sleep(30_000);
    }
    if (this.sim.attempts.get(key)?.intent !== intent.id) return false;
    const record = this.client.records().find((r) => `${this.terminalId}:${r.batchNo}:${r.stan}` === key);
    return record?.state === 'approved';
  }

  /** Prints until a receipt comes out (the SDK reprints from its journal, never runs the sale again). */
  async #receipt(intent: Intent, run: number): Promise<boolean> {
    for (let reprint = 1; reprint <= 3; reprint += 1) {
      this.#printing = [intent.id, run, reprint];
      const outcome = await this.client.reprint();
      if (outcome.kind === 'reprinted' && outcome.printed) return true;
    }
    return false;
  }

  /** What the terminal showed today, for its journal of the day at reconciliation. */
  shownToday(): TransactionRecord[] {
    for (const record of this.client.records()) this.#shown.set(`${record.batchNo}-${record.stan}`, record);
    return [...this.#shown.values()];
  }

  /** Settles the batch (uploading it when the host says unbalanced), keeping what it showed. */
  async settle(): Promise<void> {
    this.shownToday();
    await this.client.settle();
  }

  /** One customer at the counter; a full batch is settled between customers. */
  async serve(intent: Intent): Promise<void> {
    if (this.#device?.reportDue(this.sim.clock.now()) === true) await this.reportStatus();
    this.#who = { terminal: this.options.terminalIndex, operator: this.#operatorOf(intent) };
    await this.#serve(intent);
    if ((this.#served += 1) % settleEvery === 0) await this.settle();
  }

  /**
   * A fleet terminal's status report (ISO 8583 0820, through the SDK): what the SDK counted (double
   * reads ignored, printer faults, offline periods, crashes) and what the device says of itself.
   * Without an answer it stays pending in the journal and goes first next time, as the SDK does.
   */
  async reportStatus(): Promise<void> {
    if (this.#device === undefined) return;
    await this.client.sendStatus(this.#device.status(this.sim.clock.now()));
  }

  async #serve(intent: Intent): Promise<void> {
    const trace = this.sim.trace(intent.id);
    let cause: AttemptCause = null;
    let confirm = false;
    let blockedWaits = 0;
    let lastPromptAnswered = false;
    for (let run = 0; run < maxRuns;) {
      const outcome = await this.#sale(intent, run, cause, confirm);
      // A cashier who has confirmed a QR customer's second purchase scans every later code of it
      // confirmed (the charge the guard held was refunded); a card sale is confirmed once, as it
      // always was in this simulation, so that card counts stay what they were. In a fleet with
      // culprits a cashier keeps confirming a card too: a genuine second purchase left held is a
      // sale keyed twice to the diagnosis, and the operator is no culprit.
      confirm = confirm && (intent.method === 'qr' || this.sim.fleet !== undefined);
      // What stopped the sale last decides whether the guard is to blame (set again just below).
      trace.blockedByGuard = false;
      if (outcome === 'died') {
        if (intent.method === 'qr' && (await this.#settledAfterDeath(intent))) {
          // The customer had paid: the terminal shows it, and nobody is asked for another code.
          trace.merchantShowsPaid = true;
          trace.believesPaid = true;
          return;
        }
        cause = 'hardware';
        run += 1;
        continue;
      }
      if (outcome.kind === 'approved') return this.#approved(intent, run, outcome.printed);
      if (outcome.kind === 'declined' && outcome.record.responseCode === '94') {
        // A suspected duplicate. The operator knows whether this customer has already paid.
        this.sim.operatorPrompts[intent.method] += 1;
        // Held by the guard: a genuine repeat that goes no further is a false block. (Until the
        // SDK let a confirmed re-run through its double-read filter, a card repeat confirmed
        // within two seconds of the first read was dropped here, and this flag hid it for cards.)
        trace.blockedByGuard = true;
        if (trace.merchantShowsPaid) return;
        // Confirming is answering the prompt, not another try of a QR sale: a confirmed scan is
        // never held again (confirm stays set for it), so this adds one scan at most.
        if (confirm && intent.method === 'qr') return;
        // A card's confirmed re-run is a run of its own, but the run cap is the cashier's patience
        // with failures, not with a prompt: a 94 on the last run is still answered, once.
        if (intent.method === 'card') {
          if (run + 1 < maxRuns || lastPromptAnswered) run += 1;
          else lastPromptAnswered = true;
        }
        confirm = true;
        await this.#readThePrompt(intent, run);
        continue;
      }
      if (outcome.kind === 'declined' && outcome.signInRequired) {
        await this.signIn();
        run += 1;
        continue;
      }
      if (outcome.kind === 'blocked' || outcome.kind === 'reversal-pending') {
        // A reversal is owed and the host cannot take it yet: wait, the SDK sends it first.
        if ((blockedWaits += 1) > maxBlockedWaits) return;
        await this.sim.clock.sleep(30_000);
        if (outcome.kind === 'blocked') continue;
      }
      cause = outcome.kind === 'ignored-double-read' ? cause : this.#failureCause(outcome, cause);
      if (!this.sim.strikesAt(this.#who, 'operator_rerun', null, intent.id, run, 'rerun')) return;
      await this.sim.clock.sleep(this.sim.schedule.between(10_000, 40_000, 'rerun-wait', intent.id, run));
      run += 1;
    }
  }

  async #approved(intent: Intent, run: number, printed: boolean): Promise<void> {
    const trace = this.sim.trace(intent.id);
    trace.merchantShowsPaid = true;
    // No receipt: the SDK reprints from its journal; the sale is never run again. The screen said
    // approved either way, so the customer knows they paid.
    if (!printed) await this.#receipt(intent, run);
    trace.believesPaid = true;
    if (intent.method === 'card' && run === 0) await this.#keyAgainByMistake(intent);
  }

  /**
   * In a fleet with culprits, the cashier reads a duplicate prompt and asks the customer before
   * confirming, 3 to 8 s, as people do. (It was written when a card confirmed at once fell within the
   * SDK's double-read window and was dropped; the SDK now lets a confirmed re-run through, and the
   * wait stays as the habit it models.) Without culprits the confirmation is at once, as it always
   * was, so the pinned reports stay what they were.
   */
  async #readThePrompt(intent: Intent, run: number): Promise<void> {
    const fleet = this.sim.fleet;
    if (fleet === undefined || intent.method !== 'card') return;
    await this.sim.clock.sleep(fleet.schedule.between(3_000, 8_000, 'read-prompt', intent.id, run));
  }

  /**
   * The operator keys the sale again by mistake a little later (when the schedule says so); the host
   * holds it as a suspected duplicate, and the operator, seeing the prompt, knows the customer has paid.
   */
  async #keyAgainByMistake(intent: Intent): Promise<void> {
    if (!this.sim.strikesAt(this.#who, 'double_keyed', null, intent.id, 0)) return;
    await this.sim.clock.sleep(this.sim.schedule.between(5_000, 20_000, 'double-key-wait', intent.id));
    this.#current = { intent: intent.id, cause: 'operator', method: 'card' };
    const again = await this.client.sale({
      amount: intent.amount,
      card: { pan: panOf(intent.card), expiry: '2812', entryMode: 'manual' },
      operatorId: this.#operatorOf(intent),
    });
    if (again.kind === 'declined' && again.record.responseCode === '94') this.sim.operatorPrompts.card += 1;
  }

  #failureCause(outcome: SaleOutcome, previous: AttemptCause): AttemptCause {
    if (!('record' in outcome)) return previous;
    const record = outcome.record;
    return this.sim.causeOfFailure(`${this.terminalId}:${record.batchNo}:${record.stan}`, 'third_party');
  }
}
