// Faults the virtual POS can reproduce on purpose (`posguard pos ... --simulate FAULT`), so support
// staff can replay what happened at a merchant and see the safe protocol handle it:
//   lost-answer         the answer to the sale, void or refund is lost on the way back
//   printer-fault       the receipt printer fails after the approval
//   double-read         the card reader reports the same card twice
//   crash-after-answer  the terminal dies after the approval arrives, before it completes it
// Each is a decorator over a real port; the client itself is the one every terminal runs.
import { decodeFrame } from '../iso8583/index.js';
import type {
  Journal,
  JournalContents,
  ReversalRecord,
  TerminalState,
  TransactionRecord,
} from './journal.js';
import { PrinterFault, type Printer, type Receipt } from './receipt.js';
import type { Transport, TransportResult } from './transport.js';

export const simulatedFaults = ['lost-answer', 'printer-fault', 'double-read', 'crash-after-answer'] as const;
export type SimulatedFault = (typeof simulatedFaults)[number];

const moneyMtis = new Set(['0200', '0220']);

/** Delivers every request, but loses the answer of the first sale, void or refund. */
export class AnswerLosingTransport implements Transport {
  #lost = false;

  constructor(private readonly inner: Transport) {}

  async exchange(request: Buffer, options: { readonly timeoutMs: number }): Promise<TransportResult> {
    const result = await this.inner.exchange(request, options);
    if (this.#lost || result.kind !== 'answer') return result;
    let mti: string;
    try {
      mti = decodeFrame(request).mti;
    } catch {
      return result;
    }
    if (!moneyMtis.has(mti)) return result;
    this.#lost = true;
    return { kind: 'no-answer', detail: `the answer was lost (simulated) after ${options.timeoutMs} ms` };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A printer that is out of paper. */
export const failingPrinter: Printer = {
  print: (_receipt: Receipt) =>
    Promise.reject(new PrinterFault('paper-out', 'printer fault (simulated): out of paper')),
};

/** The crash of `crash-after-answer`: thrown when the approval is about to be completed. */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** A journal that dies (throws SimulatedCrash) when asked to complete the first approval. */
export class CrashingJournal implements Journal {
  #crashed = false;

  constructor(private readonly inner: Journal) {}

  load(): Promise<JournalContents> {
    return this.inner.load();
  }

  saveState(state: TerminalState): Promise<void> {
    return this.inner.saveState(state);
  }

  putRecord(record: TransactionRecord): Promise<void> {
    if (!this.#crashed && record.state === 'approved') {
      this.#crashed = true;
      return Promise.reject(
        new SimulatedCrash('the terminal crashed after the approval arrived (simulated)'),
      );
    }
    return this.inner.putRecord(record);
  }

  putReversal(reversal: ReversalRecord): Promise<void> {
    return this.inner.putReversal(reversal);
  }

  deleteReversal(ref: { batchNo: string; stan: string }): Promise<void> {
    return this.inner.deleteReversal(ref);
  }

  pruneRecords(keep: readonly string[]): Promise<void> {
    return this.inner.pruneRecords(keep);
  }
}
