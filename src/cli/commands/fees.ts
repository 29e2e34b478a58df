// `posguard fees`: a merchant's fee plan (set, show, history), the BIN table, statements and plan
// comparisons (issue 17). Argument parsing and wiring only: the rules live in src/fees/.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  binTableEntries,
  parseBinTable,
  planToFileJson,
  readFeePlanFile,
  type FeePlan,
} from '../../fees/index.js';
import { setFeePlan } from '../../billing/fee-plan-admin.js';
import {
  compareForMerchant,
  merchantStatement,
  type StatementPeriod,
} from '../../billing/merchant-statement.js';
import {
  comparisonText,
  statementCsv,
  statementLanguages,
  statementText,
  type StatementLanguage,
} from '../../fees/statement-text.js';
import type { Store } from '../../payments/ports/store.js';
import { PosError } from '../../pos-error.js';
import {
  booleanFlag,
  exitCodes,
  parseFlags,
  requiredStringFlag,
  stringFlag,
  takeSubcommand,
  wantsHelp,
  type CliIo,
  type Command,
  type ParsedFlags,
} from '../command.js';
import { readInputFile } from '../input-file.js';
import { openStoreFromFlags, storeFlagHelp, storeFlagSpec } from '../store-flags.js';

const help = [
  'Usage: posguard fees plan set --merchant ID --file PLAN.json [--below-cost] [--by NAME] [--json]',
  '       posguard fees plan show --merchant ID [--json]',
  '       posguard fees plan history --merchant ID [--json]',
  '       posguard fees bins load FILE.csv',
  '       posguard fees statement --merchant ID (--day YYYY-MM-DD | --month YYYY-MM) [--terminal ID]',
  '                               [--lang zh-CN|en] [--json] [--csv FILE]',
  '       posguard fees compare --merchant ID --month YYYY-MM PLAN.json PLAN.json... [--lang zh-CN|en] [--json]',
  '',
  'What a POS costs the merchant (docs/fees.md). A plan is kept as versions: `plan set` takes the whole',
  'plan file (as `plan show --json` prints it); versions already stored must come back unchanged and the',
  'new ones are appended, each starting after today. Statements price the stored sales, voids, refunds',
  'and reversals under the plan, every line with its transaction id and explanation.',
  '',
  '  --merchant ID     the merchant',
  '  --file PLAN.json  the plan file (format posguard-fee-plan/1)',
  '  --below-cost      acknowledge new versions priced below the acquirer worst-case cost (2016 ceilings)',
  '  --by NAME         who makes the change (default cli)',
  '  --day, --month    the statement period (local days, UTC+8); not in the future',
  "  --terminal ID     one terminal's statement: its transactions; a month adds its device and SIM fees",
  '  --lang L          zh-CN or en (default en)',
  '  --json            print JSON',
  '  --csv FILE        also write the statement lines as CSV',
  storeFlagHelp,
  '',
  'Exit status: 0 done, 2 bad flags or input (nothing stored), 1 other errors.',
  '',
  'Example:',
  '  posguard fees plan set --merchant DEMOSHOP0000001 --file plan.json --by ops:alice',
  '  posguard fees statement --merchant DEMOSHOP0000001 --day 2026-03-10 --lang zh-CN',
  '',
].join('\n');

/** Plan files are small (readFeePlanFile refuses more); BIN tables hold up to a million rows. */
const maxPlanFileBytes = 1024 * 1024;
const maxBinFileBytes = 64 * 1024 * 1024;

function language(command: string, flags: ParsedFlags): StatementLanguage {
  const lang = stringFlag(flags, 'lang') ?? 'en';
  if (!(statementLanguages as readonly string[]).includes(lang)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${command}: --lang expected zh-CN or en, got ${JSON.stringify(lang)}`,
    );
  }
  return lang as StatementLanguage;
}

async function withStore<T>(flags: ParsedFlags, io: CliIo, fn: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openStoreFromFlags(flags, io);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** `fees plan set|show|history`: the three share their flags and the store. */
async function planCommand(args: readonly string[], io: CliIo): Promise<number> {
  const taken = takeSubcommand('fees plan', args, ['set', 'show', 'history'], help, io.stdout);
  if (typeof taken === 'number') return taken;
  const command = `fees plan ${taken.sub}`;
  const flags = parseFlags(command, taken.rest, {
    ...storeFlagSpec,
    merchant: { type: 'string' },
    file: { type: 'string' },
    'below-cost': { type: 'boolean' },
    by: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (wantsHelp(flags)) {
    io.stdout.write(help);
    return exitCodes.ok;
  }
  const merchantId = requiredStringFlag(command, flags, 'merchant');
  if (taken.sub === 'set') return setPlan(command, flags, io, merchantId);
  return showPlan(taken.sub, flags, io, merchantId);
}

/** `fees plan set`: the file's versions checked against the stored ones, the new ones appended. */
async function setPlan(command: string, flags: ParsedFlags, io: CliIo, merchantId: string): Promise<number> {
  const plan = readFeePlanFile(
    readInputFile(io, requiredStringFlag(command, flags, 'file'), maxPlanFileBytes),
  );
  const changedBy = stringFlag(flags, 'by') ?? 'cli';
  const result = await withStore(flags, io, (store) =>
    setFeePlan(store, {
      merchantId,
      plan,
      changedBy,
      belowCost: booleanFlag(flags, 'below-cost'),
      nowMs: Date.now(),
    }),
  );
  if (booleanFlag(flags, 'json')) {
    io.stdout.write(json({ merchantId, appended: result.appended, version: result.current.version }));
  } else if (result.appended.length === 0) {
    io.stdout.write(
      `Fee plan of ${merchantId} unchanged: version ${result.current.version} is the latest.\n`,
    );
  } else {
    io.stdout.write(
      `Fee plan of ${merchantId}: version${result.appended.length > 1 ? 's' : ''} ${result.appended.join(', ')} stored by ${changedBy}.\n`,
    );
  }
  return exitCodes.ok;
}

/** `fees plan show` (the latest version, as a plan file with --json) and `fees plan history`. */
async function showPlan(
  sub: 'show' | 'history',
  flags: ParsedFlags,
  io: CliIo,
  merchantId: string,
): Promise<number> {
  return withStore(flags, io, async (store) => {
    const versions = await store.read((r) => r.listFeePlanVersions(merchantId));
    const last = versions[versions.length - 1];
    if (last === undefined) {
      throw new PosError(
        'POS_ERR_FEES_NO_PLAN_VERSION',
        `merchant ${JSON.stringify(merchantId)} has no fee plan`,
        {
          details: { merchantId },
        },
      );
    }
    if (sub === 'show') {
      io.stdout.write(booleanFlag(flags, 'json') ? json(planToFileJson(last.plan)) : planSummary(last.plan));
      return exitCodes.ok;
    }
    const history = versions.map((v) => ({
      version: v.version,
      effectiveFrom: v.effectiveFrom,
      changedBy: v.changedBy,
      changedAt: new Date(v.changedAt).toISOString(),
    }));
    io.stdout.write(
      booleanFlag(flags, 'json')
        ? json({ merchantId, versions: history })
        : history
            .map(
              (v) => `version ${v.version}  from ${v.effectiveFrom}  by ${v.changedBy}  at ${v.changedAt}\n`,
            )
            .join(''),
    );
    return exitCodes.ok;
  });
}

function planSummary(plan: FeePlan): string {
  return plan.versions
    .map((v) => {
      const rates = Object.entries(v.rates)
        .map(
          ([key, rate]) =>
            `${key} ${rate.ratePpm} ppm${rate.capFen === undefined ? '' : ` cap ${rate.capFen} fen`}`,
        )
        .join(', ');
      const addOn = v.addOn === undefined ? '' : `, add-on ${v.addOn.name.en} ${v.addOn.feeFen} fen`;
      return `version ${v.version} from ${v.effectiveFrom} (${v.changedBy}): ${rates}${addOn}\n`;
    })
    .join('');
}

async function binsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const taken = takeSubcommand('fees bins', args, ['load'], help, io.stdout);
  if (typeof taken === 'number') return taken;
  const flags = parseFlags(
    'fees bins load',
    taken.rest,
    { ...storeFlagSpec, json: { type: 'boolean' } },
    { positionals: true },
  );
  if (wantsHelp(flags)) {
    io.stdout.write(help);
    return exitCodes.ok;
  }
  const [file, ...extra] = flags.positionals;
  if (file === undefined || extra.length > 0) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `fees bins load: expected one CSV file, got ${flags.positionals.length}`,
    );
  }
  // Parsed whole before the store is touched: a bad row stores nothing.
  const entries = binTableEntries(parseBinTable(readInputFile(io, file, maxBinFileBytes), file));
  await withStore(flags, io, (store) => store.transaction((tx) => tx.replaceBins(entries)));
  io.stdout.write(
    booleanFlag(flags, 'json')
      ? json({ rows: entries.length })
      : `BIN table loaded: ${entries.length} prefixes.\n`,
  );
  return exitCodes.ok;
}

function period(command: string, flags: ParsedFlags): StatementPeriod {
  const day = stringFlag(flags, 'day');
  const month = stringFlag(flags, 'month');
  if ((day === undefined) === (month === undefined)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `${command}: give exactly one of --day YYYY-MM-DD and --month YYYY-MM`,
    );
  }
  return day !== undefined ? { day } : { month: month ?? '' };
}

async function statementCommand(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'fees statement';
  const flags = parseFlags(command, args, {
    ...storeFlagSpec,
    merchant: { type: 'string' },
    day: { type: 'string' },
    month: { type: 'string' },
    terminal: { type: 'string' },
    lang: { type: 'string' },
    json: { type: 'boolean' },
    csv: { type: 'string' },
  });
  if (wantsHelp(flags)) {
    io.stdout.write(help);
    return exitCodes.ok;
  }
  const merchantId = requiredStringFlag(command, flags, 'merchant');
  const when = period(command, flags);
  const terminalId = stringFlag(flags, 'terminal');
  const lang = language(command, flags);
  const csv = stringFlag(flags, 'csv');
  const statement = await withStore(flags, io, (store) =>
    store.read((r) =>
      merchantStatement(r, {
        merchantId,
        period: when,
        nowMs: Date.now(),
        ...(terminalId === undefined ? {} : { terminalId }),
      }),
    ),
  );
  if (csv !== undefined) writeFileSync(resolve(io.cwd, csv), statementCsv(statement), 'utf8');
  io.stdout.write(booleanFlag(flags, 'json') ? json(statement) : statementText(statement, lang));
  return exitCodes.ok;
}

async function compareCommand(args: readonly string[], io: CliIo): Promise<number> {
  const command = 'fees compare';
  const flags = parseFlags(
    command,
    args,
    {
      ...storeFlagSpec,
      merchant: { type: 'string' },
      month: { type: 'string' },
      lang: { type: 'string' },
      json: { type: 'boolean' },
    },
    { positionals: true },
  );
  if (wantsHelp(flags)) {
    io.stdout.write(help);
    return exitCodes.ok;
  }
  const merchantId = requiredStringFlag(command, flags, 'merchant');
  const month = requiredStringFlag(command, flags, 'month');
  const lang = language(command, flags);
  const plans = flags.positionals.map((file) => ({
    label: file,
    plan: readFeePlanFile(readInputFile(io, file, maxPlanFileBytes)),
  }));
  const comparison = await withStore(flags, io, (store) =>
    store.read((r) => compareForMerchant(r, { merchantId, month, plans, nowMs: Date.now() })),
  );
  io.stdout.write(booleanFlag(flags, 'json') ? json(comparison) : comparisonText(comparison, lang));
  return exitCodes.ok;
}

export const feesCommand: Command = {
  name: 'fees',
  summary: 'fee plans, BIN table, statements and plan comparisons (fees plan|bins|statement|compare)',
  help,
  async run(args, io) {
    const taken = takeSubcommand('fees', args, ['plan', 'bins', 'statement', 'compare'], help, io.stdout);
    if (typeof taken === 'number') return taken;
    switch (taken.sub) {
      case 'plan':
        return planCommand(taken.rest, io);
      case 'bins':
        return binsCommand(taken.rest, io);
      case 'statement':
        return statementCommand(taken.rest, io);
      case 'compare':
        return compareCommand(taken.rest, io);
    }
  },
};
