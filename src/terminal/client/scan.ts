// The scan-code (QR) sale: the cashier scans the customer's payment code (付款码) and the terminal
// sends it as a sale with the code in field 59 (docs/iso8583.md, "Scan-code (QR) sales and field
// 59"), following the safe protocol as a card sale does, plus what QR asks for (issue 20):
//  - never a fresh code while the last one is unresolved: a scan-code sale without an answer
//    keeps its reversal record, and every later money operation settles it first (the host is
//    asked, then the 0400 goes out); until the host has it, nothing new is sent;
//  - the answer is awaited for the wallet's pay window (scanAnswerTimeoutMs, 75 s by default);
//  - no answer: the host is asked (scan-query.ts), and only what it cannot settle is reversed;
//  - the code lives in memory for the one request: the journal keeps its mask, and the 0400
//    leaves field 59 out.
import { maskPaymentCode } from '../../payments/payment-code.js';
import type { FinancialOutcome } from '../outcomes.js';
import { scanRequest } from '../terminal-messages.js';
import { reversible } from './money.js';
import { reverseNow } from './reversals.js';
import { settleScanByQuery, unresolvedScan } from './scan-query.js';
import type { TerminalCore } from './terminal-core.js';

export interface ScanInput {
  /** Fen. */
  readonly amount: number;
  /** The payment code as scanned. */
  readonly code: string;
  readonly operatorId?: string | null;
  /** The operator confirms a genuine second purchase after a suspected duplicate (94). */
  readonly confirmDuplicate?: boolean;
}

export async function scan(core: TerminalCore, input: ScanInput): Promise<FinancialOutcome> {
  const operatorId = input.operatorId ?? null;
  const outcome = await reversible(core, {
    kind: 'sale',
    amount: input.amount,
    cardMasked: null,
    entryMode: null,
    operatorId,
    original: null,
    onStan: (stan) => core.cardReads.started(stan),
    qr: { wallet: null, codeMasked: maskPaymentCode(input.code), tradeNo: null },
    timeoutMs: core.scanTimeoutMs,
    build: (common) =>
      scanRequest({
        ...common,
        amount: input.amount,
        code: input.code,
        operatorId,
        confirmDuplicate: input.confirmDuplicate ?? false,
      }),
    unanswered: async (record, request) =>
      (await settleScanByQuery(core, record)) ?? reverseNow(core, record, request, 'no-answer'),
  });
  if (outcome.kind !== 'blocked') return outcome;
  // Blocked: say which scan-code sale is unresolved, so the cashier does not take a new code.
  const unresolved = unresolvedScan(core);
  return unresolved === undefined ? outcome : { ...outcome, unresolvedScan: unresolved };
}
