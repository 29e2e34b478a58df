// `posguard pos`: a virtual POS terminal on the terminal SDK, for demos and for support staff
// reproducing a merchant's problem. Each run opens the terminal's journal (./data/terminals/<TID>
// by default), connects to the host's ISO 8583 channel, does one thing and prints what happened.
// Only wiring and printing live here; the protocol is the SDK's.
import { join, resolve } from 'node:path';
import { panProblems, expiryProblems } from '../../cards/card.js';
import { Secret } from '../../cards/secret.js';
import { readPaymentCode } from '../../payments/payment-code.js';
import { systemClock } from '../../clock/clock.js';
import { parseTmk } from '../../merchants/key-vault.js';
import { formatMajorUnits, parseMajorUnits } from '../../money/money.js';
import { entryModes, type EntryMode } from '../../payments/payment.js';
import { PosError } from '../../pos-error.js';
import {
  FileJournal,
  isSentUntilAnswered,
  isShownCode,
  scanCashierText,
  unansweredCashierText,
  settledByQuery,
  TcpTransport,
  TerminalClient,
  type FinancialOutcome,
  type Printer,
  type Receipt,
  type SaleOutcome,
  type Transport,
  type Journal,
} from '../../terminal/index.js';
import {
  AnswerLosingTransport,
  CrashingJournal,
  failingPrinter,
  SimulatedCrash,
  simulatedFaults,
  type SimulatedFault,
} from '../../terminal/simulated-faults.js';
import {
  booleanFlag,
  exitCodes,
  flagValue,
  integerFlag,
  parseFlags,
  requiredStringFlag,
  stringFlag,
  takeSubcommand,
  wantsHelp,
  type CliIo,
  type Command,
  type ParsedFlags,
} from '../command.js';
import { recordLine } from './pos-record-line.js';
import { showCode, showCodeFlagSpec, showCodeHelp } from './pos-show-code.js';
import { sendStatusReport, statusFlagSpec, statusHelp } from './pos-status.js';

const subcommands = [
  'signin',
  'sale',
  'scan',
  'show-code',
  'void',
  'refund',
  'reversal-status',
  'reprint',
  'settle',
  'status',
] as const;
type Subcommand = (typeof subcommands)[number];

const example = '--host 127.0.0.1:5000 --merchant DEMOSHOP0000001 --terminal DEMO0001';

const help = [
  'Usage: posguard pos <subcommand> --host HOST:PORT --merchant ID --terminal TID [flags]',
  '',
  "A virtual CUP POS terminal on posguard's terminal SDK. It talks ISO 8583 over TCP to `posguard serve",
  '--iso-port`, keeps its journal under ./data/terminals/<TID>, and follows the safe protocol: the journal',
  'is written before every send, an unknown outcome is reversed (0400) before anything else, a lost',
  'receipt is reprinted, never charged again.',
  '',
  'Subcommands:',
  '  signin           sign in: fresh PIN and MAC keys (check values verified) and the batch number.',
  '                   The first time, give the terminal master key: --tmk HEX (kept in the journal).',
  `                     posguard pos signin ${example} --tmk 0123456789ABCDEFFEDCBA9876543210`,
  '  sale             a sale of --amount yuan with --card PAN [--expiry YYMM] [--entry chip|swipe|contactless|manual]',
  '                   [--operator 01]. Answered 94 (suspected duplicate)? If the customer really buys',
  '                   again, run it once more with --confirm-duplicate.',
  `                     posguard pos sale ${example} --amount 12.80 --card 6212345678901232`,
  '  scan             a sale paid with the payment code the customer shows (付款码: Alipay, WeChat Pay,',
  '                   UnionPay QR): --amount yuan --code DIGITS [--operator 01]. It waits for the customer',
  '                   to confirm on the phone (up to 75 s, --timeout-ms); an answer that never comes is',
  '                   asked about, then reversed; no new code is sent while the last one is unresolved.',
  `                     posguard pos scan ${example} --amount 12.80 --code 134567890123456789`,
  ...showCodeHelp(example),
  '  void             void an approved sale of this terminal, by its STAN.',
  `                     posguard pos void ${example} --stan 2`,
  '  refund           refund part or all of a sale of this terminal: --stan N --amount yuan.',
  `                     posguard pos refund ${example} --stan 2 --amount 5.00`,
  '  reversal-status  show the reversals still owed to the host (and unanswered refunds), and send them.',
  `                     posguard pos reversal-status ${example}`,
  '  reprint          print the last transaction again (or --stan N): from the journal, or, when the',
  '                   journal lacks the outcome, as the host tells it. Never runs the sale again.',
  `                     posguard pos reprint ${example}`,
  '  settle           day end: send the batch totals; when the host says unbalanced, upload the batch',
  '                   and settle again.',
  `                     posguard pos settle ${example}`,
  ...statusHelp(example),
  '',
  'Flags:',
  '  --host HOST:PORT        the ISO 8583 channel of posguard serve (default 127.0.0.1:5000)',
  '  --merchant ID           merchant id (field 42)',
  '  --terminal TID          terminal id (field 41)',
  '  --tmk HEX               terminal master key, 16 or 32 hex digits (signin; kept in the journal)',
  '  --journal DIR           journal folder (default ./data/terminals/<TID>)',
  '  --timeout-ms N          how long to wait for each answer (default 30000; 75000 for scan)',
  '  --code DIGITS           the payment code scanned (scan); it is sent once and never kept',
  '  --wallet NAME           whose code to show (show-code): alipay, wechat or unionpay; the host',
  '                          picks the first it takes when absent',
  `  --simulate FAULT        reproduce a fault: ${simulatedFaults.join(', ')}`,
  '  --json                  print the outcome as one JSON object (show-code: a JSON line per',
  '                          progress report first)',
  '',
  'Exit code 0 when the transaction was approved (or the sign-in, settlement, reprint, reversals or',
  'status report went through), 1 when it was declined, reversed or is still pending, 2 for bad usage.',
  '',
].join('\n');

const flagSpec = {
  host: { type: 'string' },
  merchant: { type: 'string' },
  terminal: { type: 'string' },
  tmk: { type: 'string' },
  journal: { type: 'string' },
  'timeout-ms': { type: 'string' },
  simulate: { type: 'string' },
  json: { type: 'boolean' },
  amount: { type: 'string' },
  card: { type: 'string' },
  code: { type: 'string' },
  expiry: { type: 'string' },
  entry: { type: 'string' },
  operator: { type: 'string' },
  stan: { type: 'string' },
  'confirm-duplicate': { type: 'boolean' },
  ...statusFlagSpec,
  ...showCodeFlagSpec,
} as const;

function parseHost(text: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || !Number.isSafeInteger(port) || port < 1 || port > 65535) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `pos: --host expected HOST:PORT such as 127.0.0.1:5000, got ${JSON.stringify(text)}`,
    );
  }
  return { host: match[1], port };
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `pos: --${name} expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}

function stanFlag(flags: ParsedFlags, required: boolean): string | undefined {
  const stan = integerFlag('pos', flags, 'stan', { min: 1, max: 999_999 });
  if (stan === undefined && required)
    throw new PosError('POS_ERR_CLI_MISSING_FLAG', 'pos: --stan is required');
  return stan === undefined ? undefined : String(stan).padStart(6, '0');
}

function amountFlag(flags: ParsedFlags): number {
  const given = requiredStringFlag('pos', flags, 'amount');
  const amount = flagValue('pos', () => parseMajorUnits(given, 'CNY'));
  if (amount < 1) throw new PosError('POS_ERR_CLI_BAD_FLAG', 'pos: --amount expected at least 0.01 yuan');
  return amount;
}

function cardFlags(flags: ParsedFlags): { pan: string; expiry: string; entryMode: EntryMode } {
  const pan = requiredStringFlag('pos', flags, 'card');
  const expiry = stringFlag(flags, 'expiry') ?? '3012';
  const problems = [...panProblems('--card', pan), ...expiryProblems('--expiry', expiry)];
  if (problems.length > 0) throw PosError.invalidInput('POS_ERR_CLI_BAD_FLAG', 'card flags', problems);
  return { pan, expiry, entryMode: oneOf('entry', stringFlag(flags, 'entry'), entryModes, 'chip') };
}

/** A printer that is the terminal's stdout (or, with --json, a list kept for the JSON). */
class OutputPrinter implements Printer {
  readonly printed: Receipt[] = [];
  constructor(private readonly io: CliIo | null) {}
  print(receipt: Receipt): Promise<void> {
    this.printed.push(receipt);
    this.io?.stdout.write(`\n${receipt.text}\n`);
    return Promise.resolve();
  }
}

function describeOutcome(outcome: SaleOutcome | FinancialOutcome): { ok: boolean; text: string } {
  switch (outcome.kind) {
    case 'approved':
      return {
        ok: true,
        text: `APPROVED ${recordLine(outcome.record)}, auth ${outcome.record.authCode ?? '-'}${
          outcome.printed
            ? ''
            : '\nThe receipt did not print: run `posguard pos reprint` (never the sale again).'
        }`,
      };
    case 'declined':
      return {
        ok: false,
        text: `DECLINED ${outcome.record.responseCode ?? ''}: ${outcome.record.message ?? ''}${
          outcome.signInRequired ? '\nThe host asks for a new sign-in; the next command signs in first.' : ''
        }${outcome.record.responseCode === '94' && outcome.record.kind === 'sale' ? '\nIf the customer really buys again: the same command with --confirm-duplicate.' : ''}`,
      };
    case 'reversed':
      return {
        ok: false,
        text: `NO VALID ANSWER (${outcome.reason}): reversed, the card is not charged. ${recordLine(outcome.record)}`,
      };
    case 'reversal-pending':
      return {
        ok: false,
        text: `NO VALID ANSWER (${outcome.reason}): a reversal is owed and not yet acknowledged; it goes first on the next command (posguard pos reversal-status).`,
      };
    case 'unanswered':
      return {
        ok: false,
        text: `NO ANSWER: the ${outcome.record.kind} is sent again, same STAN, on the next command; it is never reversed. ${recordLine(outcome.record)}\n${unansweredCashierText(outcome.record).en}\n${unansweredCashierText(outcome.record).zh}`,
      };
    case 'blocked':
      return { ok: false, text: `NOT SENT: ${outcome.detail}` };
    case 'not-sent':
      return { ok: false, text: `NOT SENT: ${outcome.detail}; nothing is charged.` };
    case 'ignored-double-read':
      return {
        ok: true,
        text: `The same card was read again within 2 s: one read, no second sale (STAN ${outcome.stan ?? '-'}).`,
      };
  }
}

interface Terminal {
  readonly client: TerminalClient;
}

async function openTerminal(
  flags: ParsedFlags,
  io: CliIo,
  fault: SimulatedFault | undefined,
): Promise<Terminal> {
  const merchantId = requiredStringFlag('pos', flags, 'merchant');
  const terminalId = requiredStringFlag('pos', flags, 'terminal');
  if (!/^[A-Za-z0-9]{1,8}$/.test(terminalId)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `pos: --terminal expected 1 to 8 letters or digits, got ${JSON.stringify(terminalId)}`,
    );
  }
  const { host, port } = parseHost(stringFlag(flags, 'host') ?? '127.0.0.1:5000');
  const folder = resolve(io.cwd, stringFlag(flags, 'journal') ?? join('data', 'terminals', terminalId));
  let transport: Transport = new TcpTransport({ host, port, clock: systemClock });
  if (fault === 'lost-answer') transport = new AnswerLosingTransport(transport);
  let journal: Journal = new FileJournal(folder);
  if (fault === 'crash-after-answer') journal = new CrashingJournal(journal);
  const printer = new OutputPrinter(booleanFlag(flags, 'json') ? null : io);
  const timeoutMs = integerFlag('pos', flags, 'timeout-ms', { min: 100, max: 300_000 });
  const client = await TerminalClient.open({
    merchantId,
    terminalId,
    transport,
    journal,
    clock: systemClock,
    printer: fault === 'printer-fault' ? failingPrinter : printer,
    answerTimeoutMs: timeoutMs ?? 30_000,
    // A scan-code sale waits for the wallet's pay window unless told otherwise.
    ...(timeoutMs === undefined ? {} : { scanAnswerTimeoutMs: timeoutMs }),
  });
  return { client };
}

/** What a subcommand did: whether it succeeded, and what to print (as text, or as JSON with --json). */
interface PosResult {
  readonly ok: boolean;
  readonly text: string;
  readonly json: unknown;
}

async function run(sub: Subcommand, flags: ParsedFlags, io: CliIo): Promise<PosResult> {
  const fault =
    flags.values['simulate'] === undefined
      ? undefined
      : oneOf('simulate', stringFlag(flags, 'simulate'), simulatedFaults, 'lost-answer');
  const { client } = await openTerminal(flags, io, fault);
  try {
    switch (sub) {
      case 'signin':
        return await signIn(client, flags);
      case 'sale':
        return await sale(client, flags, fault);
      case 'scan':
        return await scan(client, flags, fault);
      case 'show-code':
        return await showCode(
          client,
          {
            amount: amountFlag(flags),
            operatorId: stringFlag(flags, 'operator') ?? '01',
            confirmDuplicate: booleanFlag(flags, 'confirm-duplicate'),
          },
          flags,
          { io, json: booleanFlag(flags, 'json') },
        );
      case 'void': {
        const outcome = await client.void({
          stan: stanFlag(flags, true) ?? '',
          operatorId: stringFlag(flags, 'operator') ?? '01',
        });
        return { ...describeOutcome(outcome), json: outcome };
      }
      case 'refund': {
        const outcome = await client.refund({
          stan: stanFlag(flags, true) ?? '',
          amount: amountFlag(flags),
          operatorId: stringFlag(flags, 'operator') ?? '01',
        });
        return { ...describeOutcome(outcome), json: outcome };
      }
      case 'reversal-status':
        return await reversalStatus(client);
      case 'reprint':
        return await reprint(client, flags);
      case 'settle':
        return await settle(client);
      case 'status':
        return await sendStatusReport(client, flags);
    }
  } catch (error) {
    if (error instanceof SimulatedCrash) {
      return {
        ok: false,
        text: `${error.message}. The journal keeps the reversal (reason 96): the next command sends it first.`,
        json: { kind: 'crashed', detail: error.message },
      };
    }
    throw error;
  } finally {
    await client.close();
  }
}

/** Sign-in: fresh working keys, each check value verified, and the batch number. */
async function signIn(client: TerminalClient, flags: ParsedFlags): Promise<PosResult> {
  // A TMK given here is kept in the journal only once this sign-in has verified it.
  const tmk = stringFlag(flags, 'tmk');
  const outcome = await client.signIn({
    operatorId: stringFlag(flags, 'operator') ?? '01',
    ...(tmk === undefined ? {} : { tmk: parseTmk(tmk) }),
  });
  const text =
    outcome.kind === 'signed-in'
      ? `Signed in: batch ${outcome.batchNo}, keys ${outcome.mode} (every check value verified).`
      : outcome.kind === 'refused'
        ? `SIGN-IN REFUSED ${outcome.code}: ${outcome.message}`
        : `SIGN-IN GOT NO ANSWER: ${outcome.detail}`;
  return { ok: outcome.kind === 'signed-in', text, json: outcome };
}

/** A sale; with `--simulate double-read`, the same card read twice at once. */
async function sale(
  client: TerminalClient,
  flags: ParsedFlags,
  fault: SimulatedFault | undefined,
): Promise<PosResult> {
  const card = cardFlags(flags);
  const input = {
    amount: amountFlag(flags),
    card,
    operatorId: stringFlag(flags, 'operator') ?? '01',
    confirmDuplicate: booleanFlag(flags, 'confirm-duplicate'),
  };
  const outcomes: SaleOutcome[] = [];
  if (fault === 'double-read') {
    // The reader reports the card twice at once: both reads reach the terminal.
    outcomes.push(...(await Promise.all([client.sale(input), client.sale(input)])));
  } else {
    outcomes.push(await client.sale(input));
  }
  const described = outcomes.map(describeOutcome);
  return {
    ok: described.every((d) => d.ok),
    text: described.map((d) => d.text).join('\n'),
    json: outcomes.length === 1 ? outcomes[0] : outcomes,
  };
}

/** --code: a payment code of a wallet's form, checked before anything is sent; never echoed. */
function codeFlag(flags: ParsedFlags): string {
  const code = requiredStringFlag('pos', flags, 'code');
  // The fingerprint is not kept: any key does to check the code's form.
  flagValue('pos', () =>
    readPaymentCode({ code, fingerprintKey: new Secret(Buffer.alloc(32), 'unused key'), field: '--code' }),
  );
  return code;
}

/**
 * A scan-code sale: what happened, then the cashier's next step in English and Chinese. With
 * `--simulate double-read`, the scanner reports the same code twice at once.
 */
async function scan(
  client: TerminalClient,
  flags: ParsedFlags,
  fault: SimulatedFault | undefined,
): Promise<PosResult> {
  const input = {
    amount: amountFlag(flags),
    code: codeFlag(flags),
    operatorId: stringFlag(flags, 'operator') ?? '01',
    confirmDuplicate: booleanFlag(flags, 'confirm-duplicate'),
  };
  const outcomes =
    fault === 'double-read'
      ? await Promise.all([client.scan(input), client.scan(input)])
      : [await client.scan(input)];
  const described = outcomes.map((outcome) => {
    const { ok, text } = describeOutcome(outcome);
    if (outcome.kind === 'ignored-double-read') return { ok, text };
    const cashier = scanCashierText(outcome);
    const asked =
      'record' in outcome && settledByQuery(outcome.record)
        ? '\nThe answer was lost; the host, asked, told the outcome: nothing was reversed. 应答丢失，已向主机查询结果，未冲正。'
        : '';
    return { ok, text: `${text}${asked}\n${cashier.en}\n${cashier.zh}` };
  });
  return {
    ok: described.every((d) => d.ok),
    text: described.map((d) => d.text).join('\n'),
    json: outcomes.length === 1 ? outcomes[0] : outcomes,
  };
}

/** The reversals still owed, the refunds unanswered and the codes shown unresolved, then sends them. */
async function reversalStatus(client: TerminalClient): Promise<PosResult> {
  const owed = client.pendingReversals();
  const refunds = client.records().filter((r) => isSentUntilAnswered(r) && r.state === 'sending');
  const codes = client.records().filter((r) => isShownCode(r) && r.state === 'sending');
  const lines = [
    owed.length === 0 ? 'No reversal owed.' : `${owed.length} reversal(s) owed:`,
    ...owed.map(
      (r) =>
        `  0400 for STAN ${r.stan} batch ${r.batchNo}, reason ${r.message.fields['39'] ?? '?'} (${r.reason}), sent ${r.attempts} time(s)`,
    ),
    ...(refunds.length === 0
      ? []
      : [
          `${refunds.length} unanswered refund(s) or void(s) of QR sales:`,
          ...refunds.map((r) => `  ${recordLine(r)}`),
        ]),
    ...(codes.length === 0
      ? []
      : [
          `${codes.length} code(s) shown whose outcome is unknown (asked about, and closed if still open):`,
          ...codes.map((r) => `  ${recordLine(r)}`),
        ]),
  ];
  if (owed.length === 0 && refunds.length === 0 && codes.length === 0)
    return { ok: true, text: lines.join('\n'), json: { owed: [], sent: null } };
  const sent = await client.sendReversals();
  const settled = codes.map((r) => client.findRecord(r.stan) ?? r);
  lines.push(
    sent.pending === 0
      ? `Sent: ${sent.delivered} reversal(s) acknowledged by the host${sent.refundsAnswered > 0 ? `, ${sent.refundsAnswered} refund(s) answered` : ''}.`
      : `Sent: ${sent.delivered} acknowledged, ${sent.pending} still owed (the host did not answer; they go first on the next command).`,
    ...settled.map((r) => `  ${r.state === 'sending' ? 'still unknown' : 'settled'}: ${recordLine(r)}`),
  );
  const ok = sent.pending === 0 && settled.every((r) => r.state !== 'sending');
  return { ok, text: lines.join('\n'), json: { owed, sent, codes: settled } };
}

/** The last transaction (or --stan N) printed again: never run again. */
async function reprint(client: TerminalClient, flags: ParsedFlags): Promise<PosResult> {
  const outcome = await client.reprint({
    ...(flags.values['stan'] === undefined ? {} : { stan: stanFlag(flags, false) ?? '' }),
  });
  const text =
    outcome.kind === 'reprinted'
      ? `Reprinted from the ${outcome.source === 'journal' ? 'journal' : "host's answer (the journal lacked the outcome)"}: ${recordLine(outcome.record)}`
      : outcome.kind === 'outcome-unknown'
        ? `OUTCOME UNKNOWN: ${outcome.detail}`
        : `NOT FOUND: ${outcome.detail}`;
  return { ok: outcome.kind === 'reprinted' && outcome.printed, text, json: outcome };
}

/** Day end: the batch totals, and the upload when the host says they differ. */
async function settle(client: TerminalClient): Promise<PosResult> {
  const outcome = await client.settle();
  const totals = 'totals' in outcome ? outcome.totals.cny : undefined;
  const summary =
    totals === undefined
      ? ''
      : ` (sales ${totals.debitCount} for CNY ${formatMajorUnits(totals.debitTotalMinor, 'CNY')}, refunds ${totals.creditCount} for CNY ${formatMajorUnits(totals.creditTotalMinor, 'CNY')})`;
  const text =
    outcome.kind === 'balanced'
      ? `BALANCED: batch ${outcome.batchNo} settled${summary}${outcome.uploaded > 0 ? `, after uploading ${outcome.uploaded} record(s)` : ''}; the next batch is ${client.state.batchNo}.`
      : outcome.kind === 'unbalanced'
        ? `UNBALANCED: batch ${outcome.batchNo}${summary} still differs from the host after the upload: call support.`
        : outcome.kind === 'refused'
          ? `SETTLEMENT REFUSED ${outcome.code}: ${outcome.message}`
          : `SETTLEMENT NOT DONE: ${outcome.detail}`;
  return { ok: outcome.kind === 'balanced', text, json: outcome };
}

export const posCommand: Command = {
  name: 'pos',
  summary:
    'a virtual POS terminal over ISO 8583 (signin, sale, scan, show-code, void, refund, reversal-status, reprint, settle, status)',
  help,
  async run(args, io) {
    const taken = takeSubcommand('pos', args, subcommands, help, io.stdout);
    if (typeof taken === 'number') return taken;
    const { sub, rest } = taken;
    const flags = parseFlags(`pos ${sub}`, rest, flagSpec);
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const result = await run(sub, flags, io);
    io.stdout.write(booleanFlag(flags, 'json') ? `${JSON.stringify(result.json)}\n` : `${result.text}\n`);
    return result.ok ? exitCodes.ok : exitCodes.failure;
  },
};
