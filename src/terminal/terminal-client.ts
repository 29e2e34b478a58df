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
//    answered: the host answers a retransmission with its stored answer; so is a void of a QR sale
//    (a refund at the wallet, which the host refuses to reverse with 22): no 0400 for it, ever;
//  - a printer fault leaves the approved transaction in the journal: `reprint` prints it again,
//    asking the host (transaction query) only when the journal lacks the outcome; never a new sale;
//  - the same card read twice within 2 seconds is one read;
//  - a scan-code (QR) sale waits for the wallet's pay window; without an answer the host is asked
//    before it is reversed, and no new code is sent while one is unresolved (client/scan.ts);
//  - a code the terminal shows (a QR order) is followed until paid or ended, closed when the
//    cashier cancels, and settled (asked about, closed) before anything else when its outcome is
//    unknown; no second order is made while one is open (client/show-code.ts);
//  - `settle` sends the batch totals, and when the host says unbalanced uploads the batch and
//    settles again;
//  - `sendStatus` reports what the terminal met (issue 14), each report kept once by the host.
// Time, the network and storage are ports (Clock, Transport, Journal), so tests and the
// simulator run it on a virtual clock over a simulated network.
//
// This class is the facade of the SDK: it runs each operation one at a time, as a terminal does,
// and hands it to the module of its concern under client/: the shared state and exchange
// (terminal-core.ts), the session (session.ts), money (money.ts, record-answer.ts), reversals
// (reversals.ts), reprints (reprint.ts), day end (settlement.ts) and status reports (status.ts).
import type { Secret } from '../cards/secret.js';
import type { SettlementTotals, SignInKeyMode } from '../iso8583/index.js';
import { balance, refund, sale, voidSale } from './client/money.js';
import { reprint } from './client/reprint.js';
import { scan, type ScanInput } from './client/scan.js';
import { showCode, type ShowCodeInput } from './client/show-code.js';
import { sendReversals } from './client/reversals.js';
import { echo, setMasterKey, signIn, signOff, type SessionAnswer } from './client/session.js';
import { batchTotals, settle } from './client/settlement.js';
import { sendStatus, type StatusInput } from './client/status.js';
import { TerminalCore, type TerminalClientOptions } from './client/terminal-core.js';
import type {
  OriginalRef,
  ReversalRecord,
  TerminalState,
  TerminalTelemetry,
  TransactionRecord,
} from './journal.js';
import type {
  FinancialOutcome,
  ReprintOutcome,
  ReversalsOutcome,
  SaleOutcome,
  SettleOutcome,
  ShowCodeOutcome,
  SignInOutcome,
  StatusOutcome,
} from './outcomes.js';
import type { CardInput } from './terminal-messages.js';

export type { TerminalClientOptions } from './client/terminal-core.js';
export type { ScanInput } from './client/scan.js';
export type { ShowCodeInput } from './client/show-code.js';

export class TerminalClient {
  readonly #core: TerminalCore;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(core: TerminalCore) {
    this.#core = core;
  }

  /**
   * Opens a terminal on its journal and finishes what a crash left half done: a reversal whose
   * transaction was completed (or answered) is dropped; one whose transaction is still `sending`
   * stays, with the reason it was written with (98 when no answer had come, 96 after an approval).
   */
  static async open(options: TerminalClientOptions): Promise<TerminalClient> {
    return new TerminalClient(await TerminalCore.load(options));
  }

  get state(): TerminalState {
    return this.#core.state;
  }

  /** The journal's transactions, oldest first. */
  records(): TransactionRecord[] {
    return this.#core.records();
  }

  pendingReversals(): ReversalRecord[] {
    return this.#core.pendingReversals();
  }

  /** Finds a transaction of the journal by STAN, in the current batch first. */
  findRecord(stan: string): TransactionRecord | undefined {
    return this.#core.findRecord(stan);
  }

  /** Runs operations one at a time, as a terminal does. */
  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  // ---- Session -------------------------------------------------------------------------------

  /** Loads the terminal master key (hex, 16 or 32 digits), as a key-injection device would. */
  setMasterKey(tmk: Secret<Buffer>): Promise<void> {
    return this.#serially(() => setMasterKey(this.#core, tmk));
  }

  /**
   * Signs in. With `tmk`, signs in under that master key and keeps it only when the host's keys
   * open under it with every check value matching: a wrong key never replaces a good one.
   */
  signIn(
    input: { mode?: SignInKeyMode; operatorId?: string; tmk?: Secret<Buffer> } = {},
  ): Promise<SignInOutcome> {
    return this.#serially(() => signIn(this.#core, input));
  }

  signOff(): Promise<SessionAnswer> {
    return this.#serially(() => signOff(this.#core));
  }

  echo(): Promise<SessionAnswer> {
    return this.#serially(() => echo(this.#core));
  }

  // ---- Reversals and unanswered refunds --------------------------------------------------------

  /** Sends every owed reversal (and every unanswered refund) now: `reversal-status`. */
  sendReversals(): Promise<ReversalsOutcome> {
    return this.#serially(() => sendReversals(this.#core));
  }

  // ---- Money -------------------------------------------------------------------------------------

  /**
   * A sale. A second read of the same card within the double-read window is ignored (no second
   * sale). `confirmDuplicate` is the operator's confirmation of a genuine second purchase after the
   * host answered 94 (suspected duplicate); it goes out with a new STAN, and the read filter lets it
   * through however soon it follows the first read (it answers a prompt; a bounce never does).
   */
  sale(input: {
    amount: number;
    card: CardInput;
    operatorId?: string | null;
    confirmDuplicate?: boolean;
  }): Promise<SaleOutcome> {
    const read = this.#core.cardReads.accept(input.card.pan, this.#core.clock.now(), {
      deliberate: input.confirmDuplicate === true,
    });
    if (read.kind === 'repeat') {
      // Counted for the next status report; written with the next journal write, not waited for.
      this.#core.telemetry.count('doubleReadsSuppressed');
      return Promise.resolve({ kind: 'ignored-double-read', stan: read.stan });
    }
    return this.#serially(() => sale(this.#core, input));
  }

  /**
   * A scan-code (QR) sale: the customer's payment code, scanned, sent in field 59. The same code
   * read twice within the double-read window is one read. While an earlier scan-code sale has no
   * known outcome, no new code is sent: the host is asked about it and it is reversed first, and
   * the answer is `blocked` (with `unresolvedScan`) until that is done.
   */
  scan(input: ScanInput): Promise<SaleOutcome> {
    const read = this.#core.cardReads.accept(`qr\u0000${input.code}`, this.#core.clock.now(), {
      deliberate: input.confirmDuplicate === true,
    });
    if (read.kind === 'repeat') return Promise.resolve({ kind: 'ignored-double-read', stan: read.stan });
    return this.#serially(() => scan(this.#core, input));
  }

  /**
   * Shows a code the customer scans (a QR order, merchant-presented): asks the host for an order,
   * reports the code to show through `onProgress`, and follows the order until it is paid (approved,
   * printed) or ends unpaid; `signal` is the cashier's cancel, which closes it. While a code shown
   * earlier is unresolved no new one is made: it is asked about and closed first (`blocked` with
   * `unresolvedShown` when it cannot be), and if the customer had paid it, `earlier-paid`.
   */
  showCode(input: ShowCodeInput): Promise<ShowCodeOutcome> {
    return this.#serially(() => showCode(this.#core, input));
  }

  /**
   * Voids an approved sale of the journal (by STAN), or one named explicitly. A QR sale's void is
   * never reversed: without an answer it is `unanswered`, sent again (same STAN) until answered.
   */
  void(input: {
    stan?: string;
    original?: OriginalRef;
    operatorId?: string | null;
  }): Promise<FinancialOutcome> {
    return this.#serially(() => voidSale(this.#core, input));
  }

  /** Refunds part or all of a sale of the journal (by STAN), or one named explicitly. */
  refund(input: {
    stan?: string;
    original?: OriginalRef;
    amount: number;
    operatorId?: string | null;
  }): Promise<FinancialOutcome> {
    return this.#serially(() => refund(this.#core, input));
  }

  /** A balance inquiry: no money moves, nothing to reverse. Field 54's amount in fen. */
  balance(input: { card: CardInput }): ReturnType<typeof balance> {
    return this.#serially(() => balance(this.#core, input));
  }

  // ---- Reprint -----------------------------------------------------------------------------------

  /**
   * Prints a transaction again (the latest, or the one with `stan`): from the journal when it has
   * the outcome; otherwise from the host's answer to a transaction query. Never runs anything again.
   */
  reprint(input: { stan?: string } = {}): Promise<ReprintOutcome> {
    return this.#serially(() => reprint(this.#core, input));
  }

  // ---- Settlement --------------------------------------------------------------------------------

  /** The terminal's totals of its current batch: standing sales (not voided) and approved refunds. */
  batchTotals(): SettlementTotals {
    return batchTotals(this.#core);
  }

  /** Day end: settle; when unbalanced, upload the batch and settle once more. */
  settle(): Promise<SettleOutcome> {
    return this.#serially(() => settle(this.#core));
  }

  // ---- Status reports (issue 14) ---------------------------------------------------------------

  /**
   * Sends a status report over ISO 8583 (0820, 60.3 = 362): what the terminal met since its last
   * report (double reads ignored, printer faults, offline periods, crashes after an approval) plus
   * the device's own counts, versions, network and battery. A report sent without an answer goes
   * again, same id and content, first; one the host refuses gives its counts to the next.
   */
  sendStatus(input: StatusInput): Promise<StatusOutcome> {
    return this.#serially(() => sendStatus(this.#core, input));
  }

  /** What the terminal has counted since its last accepted report, and the report still pending. */
  get telemetry(): TerminalTelemetry {
    return this.#core.telemetry.value;
  }

  /** Writes what the terminal counted for its status reports, then closes the transport. */
  close(): Promise<void> {
    return this.#serially(async () => {
      await this.#core.flushTelemetry();
      await this.#core.options.transport.close();
    });
  }
}
