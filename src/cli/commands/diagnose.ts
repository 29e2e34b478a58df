// `posguard diagnose`: where the duplicates come from (issue 14). Reads the store for a period and
// prints the findings (per terminal, operator, network and provider, each with its cause, remedy,
// evidence and cost) as text in zh-CN or en, or as JSON for scripts. Argument parsing and wiring
// only: the diagnosis lives in src/diagnostics/.
import { defaultDiagnosisSettings } from '../../diagnostics/diagnose.js';
import { diagnosisJson } from '../../diagnostics/diagnosis-json.js';
import {
  diagnosisLanguages,
  diagnosisText,
  type DiagnosisLanguage,
} from '../../diagnostics/diagnosis-text.js';
import { maxPeriodDays, readDiagnosis } from '../../diagnostics/read-diagnosis.js';
import { PosError } from '../../pos-error.js';
import {
  booleanFlag,
  exitCodes,
  parseFlags,
  stringFlag,
  wantsHelp,
  type CliIo,
  type Command,
  type ParsedFlags,
} from '../command.js';
import { checkRange, parseBound } from '../day-range.js';
import { openStoreFromFlags, storeFlagHelp, storeFlagSpec } from '../store-flags.js';

const help = [
  'Usage: posguard diagnose [--from DAY] [--to DAY] [--merchant ID] [--lang zh-CN|en] [--json]',
  '                         [--significance 0.01] [--db FILE | --database-url URL]',
  '',
  "Where duplicates come from (docs/diagnostics.md). Reads the period's payments, their journal,",
  "the duplicates found and the terminals' status reports, and compares every terminal, operator,",
  'network (carrier and type) and upstream provider with the rest of the fleet by an exact test that',
  'accounts for volume. Each finding names its cause (software, hardware, operator, network, third',
  'party), the remedy in words support acts on, the evidence (counts, rate, fleet rate, the',
  'transactions behind it), the duplicates and fees at risk, and a priority. Nothing is written.',
  '',
  '  --from DAY         first day (YYYY-MM-DD, China Standard Time) or an ISO time (default: 7 days ago)',
  '  --to DAY           last day, inclusive, or an ISO time, exclusive (default: now)',
  `                     at most ${maxPeriodDays} days in all`,
  "  --merchant ID      one merchant's own traffic, compared within it (default: the whole fleet)",
  '  --lang L           zh-CN or en (default en)',
  '  --json             print JSON (the shape GET /v1/diagnostics answers)',
  `  --significance A   the false discovery rate of findings, from 0.000001 to 0.2 (default ${defaultDiagnosisSettings.significance})`,
  storeFlagHelp,
  '',
  'Progress goes to stderr on long runs. Exit status: 0 done (with or without findings), 2 bad flags, 1 other errors.',
  '',
  'Example:',
  '  posguard diagnose --db ./data/posguard.db --from 2026-11-01 --to 2026-11-30 --lang zh-CN',
  '',
].join('\n');

const chinaOffsetMinutes = 480;
const dayMs = 86_400_000;

function language(flags: ParsedFlags): DiagnosisLanguage {
  const lang = stringFlag(flags, 'lang') ?? 'en';
  if (!(diagnosisLanguages as readonly string[]).includes(lang)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `diagnose: --lang expected zh-CN or en, got ${JSON.stringify(lang)}`,
    );
  }
  return lang as DiagnosisLanguage;
}

function significance(flags: ParsedFlags): number {
  const text = stringFlag(flags, 'significance');
  if (text === undefined) return defaultDiagnosisSettings.significance;
  const value = /^(0|[1-9]\d*)?(\.\d+)?([eE]-?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value < 1e-6 || value > 0.2) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `diagnose: --significance expected a number from 0.000001 to 0.2, such as 0.01, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function period(flags: ParsedFlags, now: number): { fromMs: number; toMs: number } {
  const from = stringFlag(flags, 'from');
  const to = stringFlag(flags, 'to');
  const toMs = to === undefined ? now : parseBound('diagnose', 'to', to, chinaOffsetMinutes);
  const fromMs =
    from === undefined ? toMs - 7 * dayMs : parseBound('diagnose', 'from', from, chinaOffsetMinutes);
  checkRange('diagnose', fromMs, toMs);
  if (toMs - fromMs > maxPeriodDays * dayMs) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `diagnose: --from, --to expected a period of at most ${maxPeriodDays} days, got ${Math.ceil((toMs - fromMs) / dayMs)} days`,
    );
  }
  return { fromMs, toMs };
}

/** A progress line on stderr at most every two seconds: a fleet's year takes a while. */
function progressReporter(io: CliIo): (p: { merchantsDone: number; rowsRead: number }) => void {
  let last = Date.now();
  return (p) => {
    const now = Date.now();
    if (now - last < 2_000) return;
    last = now;
    io.stderr.write(
      `diagnose: ${p.merchantsDone} merchants, ${p.rowsRead.toLocaleString('en-US')} rows read\n`,
    );
  };
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags('diagnose', args, {
    ...storeFlagSpec,
    from: { type: 'string' },
    to: { type: 'string' },
    merchant: { type: 'string' },
    lang: { type: 'string' },
    json: { type: 'boolean' },
    significance: { type: 'string' },
  });
  if (wantsHelp(flags)) {
    io.stdout.write(help);
    return exitCodes.ok;
  }
  // Every flag is read before the store is opened: a bad one costs nothing.
  const lang = language(flags);
  const settings = { ...defaultDiagnosisSettings, significance: significance(flags) };
  const when = period(flags, Date.now());
  const merchantId = stringFlag(flags, 'merchant');
  const { store } = await openStoreFromFlags(flags, io);
  try {
    const diagnosis = await readDiagnosis(store, {
      ...when,
      settings,
      ...(merchantId === undefined ? {} : { merchantId }),
      onProgress: progressReporter(io),
    });
    io.stdout.write(
      booleanFlag(flags, 'json')
        ? `${JSON.stringify(diagnosisJson(diagnosis), null, 2)}\n`
        : diagnosisText(diagnosis, lang),
    );
    return exitCodes.ok;
  } finally {
    await store.close();
  }
}

export const diagnoseCommand: Command = {
  name: 'diagnose',
  summary: 'where duplicates come from: findings per terminal, operator, network and provider',
  help,
  run,
};
