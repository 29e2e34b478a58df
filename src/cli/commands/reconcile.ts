// `posguard reconcile`: wires flags to the reconciliation module and prints what it found. Sources
// are chosen from flags in one place per source (`hostSourceFromFlags` for the host journal), so a
// new kind of source is one more branch there.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatMajorUnits } from '../../money/money.js';
import { PosError } from '../../pos-error.js';
import { defaultDuplicateWindowS } from '../../merchants/merchant-admin.js';
import {
  defaultMaxRecordBytes,
  exceptionKinds,
  kindInfo,
  loadMappingProfile,
  reconcile,
  reportFiles,
  sourceName,
  writeReport,
  type HostSource,
  type Progress,
  type ReconciliationSummary,
  type SettlementSource,
  type TerminalSource,
  hostRowsFromStore,
  storeFindings,
  builtInProfile,
  builtInProfiles,
  type MappingProfile,
} from '../../reconciliation/index.js';
import type { Store } from '../../payments/ports/store.js';
import { openStoreFromFlags } from '../store-flags.js';
import {
  booleanFlag,
  exitCodes,
  integerFlag,
  parseFlags,
  requiredStringFlag,
  stringFlag,
  wantsHelp,
  type CliIo,
  type Command,
  type ParsedFlags,
} from '../command.js';

const name = 'reconcile';

const flagSpec = {
  settlement: { type: 'string' },
  profile: { type: 'string' },
  'host-journal': { type: 'string' },
  db: { type: 'string' },
  'database-url': { type: 'string' },
  'terminal-journal': { type: 'string' },
  'duplicate-window-s': { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  'max-line-bytes': { type: 'string' },
  threads: { type: 'string' },
  'wallet-merchant': { type: 'string' },
  'wallet-app': { type: 'string' },
} as const;

const help = `posguard reconcile: three-way reconciliation of one day's business

Compares the terminal journal (what the POS showed), the host journal (what posguard recorded)
and the acquirer's settlement file, or a wallet's daily bill (what was paid), and writes every
difference with its kind, likely cause and the action to take.

Usage:
  posguard reconcile --settlement FILE [--profile FILE|alipay|wechat] (--host-journal FILE | --db PATH)
                     [--wallet-merchant ID [--wallet-app ID]]
                     [--terminal-journal FILE] [--duplicate-window-s 120] --out DIR [--json]

Flags:
  --settlement FILE          the acquirer's settlement file (v1 CSV, or its own layout with --profile),
                             or a wallet's daily bill as the wallet gives it (with --profile alipay|wechat)
  --profile FILE             a mapping profile (JSON) for a settlement file not in the v1 format:
                             its column names, yuan or fen, time formats, type codes, encoding (GBK)
  --profile alipay           Alipay's trade bill (业务明细, GBK): the card sales take no part, the
                             Alipay QR sales are matched by merchant order number (商户订单号)
  --profile wechat           WeChat Pay's trade bill (交易账单, bill type ALL): likewise for WeChat Pay
  --wallet-merchant ID       with a wallet's bill, required: whose bill it must be (Alipay: the partner
                             id 2088..., WeChat Pay: the merchant number mch_id); another's is refused
  --wallet-app ID            with WeChat Pay's bill: the appid every line must name
  --host-journal FILE        the host journal, v1 CSV (as \`posguard export\` writes it)
  --db PATH                  instead of --host-journal: read the host journal from posguard's store
                             (or --database-url URL, POSGUARD_DB, POSGUARD_DATABASE_URL), and store
                             the duplicates found so GET /v1/duplicates lists them
  --terminal-journal FILE    the terminal journal, v1 CSV; without it the terminal kinds are skipped
  --duplicate-window-s N     how close two sales of one card, amount and terminal must be to be a
                             suspected duplicate, in seconds (default ${defaultDuplicateWindowS})
  --out DIR                  where to write exceptions.csv, summary.json and report.html (made if
                             missing; files appear only when the run succeeds)
  --json                     print the summary as JSON instead of a table
  --max-line-bytes N         refuse any CSV record longer than this (default ${defaultMaxRecordBytes})
  --threads 1|2              2 (default) parses the settlement and terminal files on a second thread

Exceptions (kind: cause -> action):
${exceptionKinds.map((k) => `  ${k.padEnd(27)} ${kindInfo[k].causes.join('|')} -> ${kindInfo[k].action}`).join('\n')}
With a wallet's bill the same kinds are about QR sales: missing_in_settlement is a sale the wallet
did not charge, unknown_in_settlement a payment or refund the host does not know, and so on
(docs/qr.md, "Reconciliation with the wallets' bills").

Exit status: 0 when the run finished (exceptions are its findings, not a failure), 1 when an input
file is wrong (the message names file, line and column), 2 for a wrong flag.

Examples:
  posguard reconcile --settlement acq-20261125.csv --profile profiles/example-acquirer-gbk.json \\
    --host-journal host-20261125.csv --terminal-journal terminal-20261125.csv --out report-20261125
  posguard reconcile --settlement 20880000000000010156_20261125_业务明细.csv --profile alipay \\
    --wallet-merchant 2088000000000001 --db ./data/posguard.db --out report-alipay-20261125
`;

interface ChosenHost {
  readonly source: HostSource;
  /** The store the journal comes from, when it does: findings are stored there too. */
  readonly store: Store | undefined;
}

/** Where the host journal comes from: a v1 CSV, or posguard's store. One branch per kind of source. */
export async function hostSourceFromFlags(flags: ParsedFlags, io: CliIo): Promise<ChosenHost> {
  const path = stringFlag(flags, 'host-journal');
  const fromStore =
    stringFlag(flags, 'db') !== undefined ||
    stringFlag(flags, 'database-url') !== undefined ||
    (path === undefined &&
      (io.env['POSGUARD_DB'] !== undefined || io.env['POSGUARD_DATABASE_URL'] !== undefined));
  if (
    path !== undefined &&
    path !== '' &&
    fromStore &&
    (stringFlag(flags, 'db') ?? stringFlag(flags, 'database-url')) !== undefined
  ) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${name}: give the host journal either as --host-journal FILE or from the store with --db, not both`,
    );
  }
  if (path !== undefined && path !== '')
    return { source: { kind: 'csv', path: resolve(io.cwd, path) }, store: undefined };
  if (!fromStore) {
    throw new PosError(
      'POS_ERR_CLI_MISSING_FLAG',
      `${name}: --host-journal FILE or --db PATH is required (the host journal as \`posguard export\` writes it, or the store itself)`,
    );
  }
  const { store, config } = await openStoreFromFlags(flags, io);
  const label = config.databaseUrl === null ? config.dbPath : 'PostgreSQL';
  return { source: { kind: 'rows', name: `store ${label}`, rows: hostRowsFromStore(store) }, store };
}

/**
 * The settlement source: a v1 file, a file through a mapping profile, or a wallet's bill through a
 * built-in profile (`alipay`, `wechat`; a profile file of that name is given as ./alipay). A
 * wallet's bill must be said whose it is (--wallet-merchant), so another merchant's is refused.
 */
async function settlementSourceFromFlags(flags: ParsedFlags, cwd: string): Promise<SettlementSource> {
  const path = resolve(cwd, requiredStringFlag(name, flags, 'settlement'));
  const given = stringFlag(flags, 'profile');
  const merchant = stringFlag(flags, 'wallet-merchant');
  const app = stringFlag(flags, 'wallet-app');
  const profile: MappingProfile | undefined =
    given === undefined
      ? undefined
      : (builtInProfile(given) ?? (await loadMappingProfile(resolve(cwd, given))));
  if (profile === undefined || profile.wallet === null) {
    if (merchant !== undefined || app !== undefined) {
      throw new PosError(
        'POS_ERR_CLI_BAD_FLAG',
        `${name}: --wallet-merchant and --wallet-app go with a wallet's bill (--profile ${Object.keys(builtInProfiles).join('|')})`,
      );
    }
    return profile === undefined ? { kind: 'csv', path } : { kind: 'profile', path, profile };
  }
  if (profile.account !== null && (merchant === undefined || merchant === '')) {
    throw new PosError(
      'POS_ERR_CLI_MISSING_FLAG',
      `${name}: --wallet-merchant ID is required with ${profile.wallet}'s bill: the bill names its merchant, and a bill of another merchant must be refused, not reconciled`,
    );
  }
  if (app !== undefined && profile.app === null) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${name}: --wallet-app: ${profile.wallet}'s bill does not name the app its lines were paid through`,
    );
  }
  const expect = { ...(merchant === undefined ? {} : { merchant }), ...(app === undefined ? {} : { app }) };
  return { kind: 'profile', path, profile, expect };
}

function terminalSourceFromFlags(flags: ParsedFlags, cwd: string): TerminalSource | undefined {
  const path = stringFlag(flags, 'terminal-journal');
  return path === undefined ? undefined : { kind: 'csv', path: resolve(cwd, path) };
}

export const reconcileCommand: Command = {
  name,
  summary: 'reconcile terminal journal, host journal and settlement file; write the exceptions',
  help,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const flags = parseFlags(name, args, flagSpec);
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const outDir = resolve(io.cwd, requiredStringFlag(name, flags, 'out'));
    const chosen = await hostSourceFromFlags(flags, io);
    try {
      return await run(flags, io, outDir, chosen);
    } finally {
      await chosen.store?.close();
    }
  },
};

async function run(flags: ParsedFlags, io: CliIo, outDir: string, chosen: ChosenHost): Promise<number> {
  const host = chosen.source;
  const duplicateWindowS =
    integerFlag(name, flags, 'duplicate-window-s', { min: 0, max: 86_400 }) ?? defaultDuplicateWindowS;
  const maxRecordBytes =
    integerFlag(name, flags, 'max-line-bytes', { min: 64, max: 1024 * 1024 * 1024 }) ?? defaultMaxRecordBytes;
  const threads = integerFlag(name, flags, 'threads', { min: 1, max: 2 }) ?? 2;
  const json = booleanFlag(flags, 'json');
  const settlement = await settlementSourceFromFlags(flags, io.cwd);
  const terminal = terminalSourceFromFlags(flags, io.cwd);

  const progress = io.stderr.isTTY === true ? new ProgressLine(io) : undefined;
  const result = await reconcile({
    host,
    settlement,
    terminal,
    duplicateWindowS,
    maxRecordBytes,
    threads: threads === 1 ? 1 : 2,
    ...(progress === undefined ? {} : { onProgress: (p: Progress) => progress.update(p) }),
  });
  progress?.finish();
  const summary = await writeReport({
    outDir,
    result,
    inputs: {
      host: sourceName(host),
      settlement: sourceName(settlement),
      terminal: terminal === undefined ? null : sourceName(terminal),
      profile: stringFlag(flags, 'profile') ?? null,
    },
    generatedAt: new Date(),
  });
  io.stdout.write(json ? `${JSON.stringify(summary)}\n` : summaryTable(summary));
  if (chosen.store !== undefined) {
    const { stored, alreadyStored } = await storeFindings(chosen.store, result.exceptions, {
      now: Date.now(),
    });
    const note = `stored ${stored} duplicate finding(s) for GET /v1/duplicates (${alreadyStored} already there)\n`;
    (json ? io.stderr : io.stdout).write(note);
  }
  return exitCodes.ok;
}

function summaryTable(summary: ReconciliationSummary): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const lines = [
    `Host rows ${n(summary.hostRows)}, terminal rows ${n(summary.terminalRows)}, settlement lines ${n(summary.settlementRows)}, matched ${n(summary.matched)}`,
    '',
    `${'kind'.padEnd(28)}${'exceptions'.padStart(11)}${'amount (CNY)'.padStart(16)}  ${'cause'.padEnd(22)}action`,
    ...exceptionKinds.map(
      (k) =>
        `${k.padEnd(28)}${n(summary.exceptions[k]).padStart(11)}${formatMajorUnits(summary.amounts[k], 'CNY').padStart(16)}  ${kindInfo[k].causes.join('|').padEnd(22)}${kindInfo[k].action}`,
    ),
    '',
    `Reports: ${[reportFiles.exceptions, reportFiles.summary, reportFiles.html].map((f) => `${summary.outDir}/${f}`).join(', ')}`,
    '',
  ];
  return lines.join('\n');
}

/** Rows read and MB/s per source on one rewritten stderr line, at most every 250 ms. */
class ProgressLine {
  private readonly started = performance.now();
  private readonly latest = new Map<string, { rows: number; bytesRead: number }>();
  private shownAt = 0;

  constructor(private readonly io: CliIo) {}

  update(progress: Progress): void {
    this.latest.set(progress.source, { rows: progress.rows, bytesRead: progress.bytesRead });
    const now = performance.now();
    if (now - this.shownAt < 250) return;
    this.shownAt = now;
    this.show(now);
  }

  finish(): void {
    this.show(performance.now());
    this.io.stderr.write('\n');
  }

  private show(now: number): void {
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const parts = [...this.latest].map(
      ([source, p]) =>
        `${source} ${p.rows.toLocaleString('en-US')} rows ${(p.bytesRead / 1e6 / seconds).toFixed(1)} MB/s`,
    );
    this.io.stderr.write(`\r\x1b[Kreading: ${parts.join(' · ')}`);
  }
}
