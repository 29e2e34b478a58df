// `posguard pos show-code`: the virtual POS shows a code the customer scans (a QR order,
// merchant-presented; issue 20). It prints the code's content and draws it as a QR code in the
// terminal (uqr; docs/decisions.md), then waits for the payment with a line per look at the
// order, and prints the outcome with the cashier's next step in English and Chinese. Ctrl-C (or
// SIGTERM) takes the code away: the order is closed, and a payment that came first is kept. With
// --json every progress report is a JSON line of its own (`{"progress":{...}}`, the code's
// content in the first) and the outcome the last line. The protocol is the SDK's
// (terminal/client/show-code.ts); only flags and printing live here.
import { renderUnicodeCompact } from 'uqr';
import { formatMajorUnits } from '../../money/money.js';
import { wallets } from '../../payments/ports/wallet.js';
import { PosError } from '../../pos-error.js';
import {
  showCodeCashierText,
  walletName,
  type ShowCodeOutcome,
  type ShowCodeProgress,
  type TerminalClient,
} from '../../terminal/index.js';
import { stringFlag, type CliIo, type ParsedFlags } from '../command.js';
import { recordLine } from './pos-record-line.js';

export const showCodeFlagSpec = { wallet: { type: 'string' } } as const;

export const showCodeHelp = (example: string): string[] => [
  '  show-code        show a code the customer scans to pay (收款码: a QR order, merchant-presented):',
  '                   --amount yuan [--wallet alipay|wechat|unionpay] [--operator 01]. It prints the',
  "                   code's content and draws it as a QR code, then waits for the payment (until the code",
  '                   expires, two minutes), looking at the order every 1 to 5 s. Ctrl-C takes the code',
  '                   away (a payment that came first is kept). A code shown earlier whose outcome is',
  '                   unknown is asked about and closed first: never two open codes, never paid twice.',
  '                   With --json, one JSON line per progress report, then the outcome.',
  `                     posguard pos show-code ${example} --amount 12.80 --wallet wechat`,
];

/** --wallet: a wallet's name, or none for the host's choice. */
function walletFlag(flags: ParsedFlags): string | null {
  const wallet = stringFlag(flags, 'wallet');
  if (wallet === undefined) return null;
  if (!(wallets as readonly string[]).includes(wallet)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `pos: --wallet expected one of ${wallets.join(', ')}, got ${JSON.stringify(wallet)}`,
    );
  }
  return wallet;
}

function chinaTime(epochMs: number): string {
  return new Date(epochMs + 8 * 3600 * 1000).toISOString().slice(11, 19);
}

/** The lines a progress report prints as text. */
function progressText(progress: ShowCodeProgress, amount: number): string {
  switch (progress.kind) {
    case 'code': {
      const wallet = walletName(progress.wallet);
      const expires =
        progress.expiresAt === null ? '' : ` It expires at ${chinaTime(progress.expiresAt)} (UTC+8).`;
      return [
        `Show this code to the customer 请顾客扫码付款: ${wallet.en} ${wallet.zh}, CNY ${formatMajorUnits(amount, 'CNY')}, order ${progress.orderNo}, STAN ${progress.stan}`,
        renderUnicodeCompact(progress.qrContent, { border: 2 }).trimEnd(),
        `Code content 收款码内容: ${progress.qrContent}`,
        `Waiting for the payment 等待顾客付款.${expires} Ctrl-C takes the code away 按 Ctrl-C 撤销收款码.`,
      ].join('\n');
    }
    case 'waiting':
      return `  still waiting 仍在等待 (look ${progress.polls + 1}, ${Math.ceil(progress.remainingMs / 1000)} s left 剩余)`;
    case 'closing':
      return progress.why === 'cancelled'
        ? 'Taking the code away: closing the order 正在撤销收款码...'
        : 'The code expired: closing the order 收款码已过期，正在关闭...';
  }
}

function outcomeText(outcome: ShowCodeOutcome): { ok: boolean; text: string } {
  switch (outcome.kind) {
    case 'approved':
      return {
        ok: true,
        text: `APPROVED ${recordLine(outcome.record)}${
          outcome.printed
            ? ''
            : '\nThe receipt did not print: run `posguard pos reprint` (never the sale again).'
        }`,
      };
    case 'declined':
      return {
        ok: false,
        text: `NO CODE ${outcome.record.responseCode ?? ''}: ${outcome.record.message ?? ''}`,
      };
    case 'not-paid':
      return { ok: false, text: `NOT PAID (${outcome.state}): ${recordLine(outcome.record)}` };
    case 'earlier-paid':
      return {
        ok: false,
        text: `NO NEW CODE: the code shown before was paid, and that sale is done: ${recordLine(outcome.record)}`,
      };
    case 'unresolved':
      return {
        ok: false,
        text: `OUTCOME UNKNOWN (${outcome.detail}): the code is asked about and closed before the next command (posguard pos reversal-status). ${recordLine(outcome.record)}`,
      };
    case 'blocked':
      return { ok: false, text: `NOT SENT: ${outcome.detail}` };
    case 'not-sent':
      return { ok: false, text: `NOT SENT: ${outcome.detail}; nothing is charged.` };
  }
}

/** Shows a code and waits for its payment, printing as it goes. */
export async function showCode(
  client: TerminalClient,
  input: { amount: number; operatorId: string; confirmDuplicate: boolean },
  flags: ParsedFlags,
  out: { io: CliIo; json: boolean },
): Promise<{ ok: boolean; text: string; json: unknown }> {
  const wallet = walletFlag(flags);
  const cancel = new AbortController();
  // A stop (Ctrl-C, SIGTERM) takes the code away; the SDK closes the order and reports what it was.
  void out.io.stopSignal.then(() => cancel.abort());
  const outcome = await client.showCode({
    ...input,
    wallet,
    signal: cancel.signal,
    onProgress: (progress) =>
      out.io.stdout.write(
        out.json ? `${JSON.stringify({ progress })}\n` : `${progressText(progress, input.amount)}\n`,
      ),
  });
  const { ok, text } = outcomeText(outcome);
  const cashier = showCodeCashierText(outcome);
  return { ok, text: `${text}\n${cashier.en}\n${cashier.zh}`, json: outcome };
}
