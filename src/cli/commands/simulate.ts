// `posguard simulate`: the deterministic fault simulation, naive against guarded, from the CLI.
import { causes } from '../../reconciliation/index.js';
import {
  faultNames,
  faultRates,
  faultSelections,
  faultSpecs,
  type FaultSelection,
} from '../../simulator/faults.js';
import {
  guardedBreaches,
  paymentMethods,
  protocols,
  replayCommand,
  simulate,
  simulatedDay,
  type PaymentMethod,
  type Protocol,
  type RunFlags,
  type SimulationOptions,
  type SimulationReport,
} from '../../simulator/simulate.js';
import { formatReport, reportLanguages, type ReportLanguage } from '../../simulator/report-text.js';
import { demoFeePlan } from '../../simulator/sim-fees.js';
import { maxPlanFileBytes, readFeePlanFile } from '../../fees/fee-plan-file.js';
import { PosError } from '../../pos-error.js';
import { readInputFile } from '../input-file.js';
import { fleetFlagHelp, fleetFlags, truthJson, writeTruth } from './simulate-fleet.js';
import {
  booleanFlag,
  exitCodes,
  flagValue,
  integerFlag,
  parseFlags,
  stringFlag,
  wantsHelp,
  type CliIo,
  type Command,
  type ParsedFlags,
} from '../command.js';

const help = [
  'Usage: posguard simulate [--intents N] [--terminals N] [--seed S] [--faults all|none|CAUSE]',
  '                         [--fault NAME=RATE ...] [--protocol naive|guarded|both]',
  '                         [--methods card,qr] [--fees] [--fee-plan PLAN.json] [--lang en|zh-CN]',
  '                         [--culprits] [--truth FILE] [--db FILE] [--json]',
  '',
  'Runs one seeded day of purchases through terminals, network, host and issuer or wallet, with',
  'faults of the five causes injected, once with a naive POS protocol and once with posguard, and',
  'counts what each customer paid against what they meant to buy. Purchases are paid by card or with',
  "the payment code (付款码) of the customer's Alipay or WeChat Pay app, scanned by the cashier. The",
  'same seed and flags give the same report (only timing differs). Virtual time: a day runs in seconds.',
  '',
  '  --intents N         purchases customers mean to make (default 10000)',
  '  --terminals N       terminals serving them (default 50)',
  '  --seed S            the seed of intents and faults (default 1)',
  `  --faults F          which faults: ${faultSelections.join(', ')} (default all)`,
  "  --fault NAME=RATE   set one fault's rate (repeatable), on top of --faults",
  '  --protocol P        naive, guarded or both (default both)',
  '  --methods M         how purchases are paid: card, qr, or card,qr (default card,qr: half by QR',
  '                      code); card alone is the same day, card for card, as before QR was simulated',
  "  --fees              also price each protocol's duplicate charges: the fees the merchants paid on",
  '                      them, those reconciliation returned, and naive minus guarded (docs/fees.md)',
  '  --fee-plan FILE     the fee plan to price them under, a `fees plan` file (implies --fees; default',
  '                      a demo plan: 0.60% on cards, debit capped at 20 CNY)',
  ...fleetFlagHelp,
  '  --lang L            en or zh-CN, for the table (default en)',
  '  --json              print { seed, intents, protocols: { naive, guarded }, timing }; each protocol',
  '                      has its totals and `byMethod: { card, qr }` (the methods simulated), each with',
  '                      intents, duplicateCharges, lostSales, falseBlocks, operatorPrompts, reversals',
  '                      and byCause, summing to the totals; with --fees, each protocol has `fees`',
  "                      (QR duplicates priced at the plan's QR rate) and the run `fees: { plan,",
  '                      naiveMinusGuarded }`; with --culprits, the run has `culprits` (as --truth)',
  '',
  'Faults (cause, default rate):',
  ...faultNames.map(
    (n) =>
      `  ${n.padEnd(26)} ${faultSpecs[n].cause.padEnd(12)} ${String(faultSpecs[n].defaultRate).padEnd(6)} ${faultSpecs[n].what}`,
  ),
  '',
  `Causes: ${causes.join(', ')}.`,
  '',
  'Exit status 1 when posguard (guarded) charged anyone twice, lost a sale or blocked a genuine',
  'repeat purchase; stderr then names the seed and the command that replays it.',
  '',
  'Examples:',
  '  posguard simulate --intents 100000 --seed 7',
  '  posguard simulate --methods qr --faults all --json',
  '  posguard simulate --faults network --fault answer_lost=0.05 --json',
  '  posguard simulate --intents 5000 --fees --lang zh-CN',
  '  posguard simulate --culprits --protocol guarded --truth truth.json --db day.db',
  '  posguard diagnose --db day.db --from 2026-11-25 --to 2026-11-25',
  '',
].join('\n');

function language(flags: ParsedFlags): ReportLanguage {
  const lang = stringFlag(flags, 'lang') ?? 'en';
  if (!(reportLanguages as readonly string[]).includes(lang)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `simulate: --lang expected en or zh-CN, got ${JSON.stringify(lang)}`,
    );
  }
  return lang as ReportLanguage;
}

/** `--fees` with the demo plan, or `--fee-plan FILE` (read and checked like `fees plan set` does). */
function feeOption(flags: ParsedFlags, io: CliIo): SimulationOptions['fees'] {
  const file = stringFlag(flags, 'fee-plan');
  if (file !== undefined) {
    return { plan: readFeePlanFile(readInputFile(io, file, maxPlanFileBytes)), label: file };
  }
  return booleanFlag(flags, 'fees') ? { plan: demoFeePlan, label: 'demo' } : undefined;
}

/** `--methods`: card, qr or both, comma-separated, each once; in their canonical order. */
function methodsFlag(flags: ParsedFlags): { methods: PaymentMethod[]; given: boolean } {
  const text = stringFlag(flags, 'methods');
  if (text === undefined) return { methods: [...paymentMethods], given: false };
  const named = text.split(',').map((m) => m.trim());
  const unknown = named.filter((m) => !(paymentMethods as readonly string[]).includes(m));
  if (named.length === 0 || unknown.length > 0 || new Set(named).size !== named.length) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `simulate: --methods expected card, qr or card,qr (each once), got ${JSON.stringify(text)}`,
    );
  }
  return { methods: paymentMethods.filter((m) => named.includes(m)), given: true };
}

/** `--faults` and `--protocol`, each checked against its choices. */
function faultsAndProtocol(flags: ParsedFlags): { selection: string; protocol: string } {
  const selection = stringFlag(flags, 'faults') ?? 'all';
  if (!(faultSelections as readonly string[]).includes(selection)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `simulate: --faults expected one of ${faultSelections.join(', ')}, got ${JSON.stringify(selection)}`,
    );
  }
  const protocol = stringFlag(flags, 'protocol') ?? 'both';
  if (protocol !== 'both' && !(protocols as readonly string[]).includes(protocol)) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `simulate: --protocol expected naive, guarded or both, got ${JSON.stringify(protocol)}`,
    );
  }
  return { selection, protocol };
}

/** Every flag of a run, read and checked before the day runs: a bad one costs nothing. */
function readRun(flags: ParsedFlags, io: CliIo) {
  const { selection, protocol } = faultsAndProtocol(flags);
  const methods = methodsFlag(flags);
  const fault = flags.values['fault'];
  const overrides = Array.isArray(fault) ? fault.map(String) : [];
  const rates = flagValue('simulate', () => faultRates(selection as FaultSelection, overrides));
  const intents = integerFlag('simulate', flags, 'intents', { min: 1, max: 2_000_000 }) ?? 10_000;
  const terminals = integerFlag('simulate', flags, 'terminals', { min: 1, max: 10_000 }) ?? 50;
  const seed = integerFlag('simulate', flags, 'seed', { min: 0, max: 2 ** 32 - 1 }) ?? 1;
  const lang = language(flags);
  // A bad plan file is refused at once, not after minutes of simulation.
  const fees = feeOption(flags, io);
  const fleet = fleetFlags(flags, io, { terminals, guarded: protocol !== 'naive' });
  const options: SimulationOptions = {
    intents,
    terminals,
    seed,
    rates,
    protocols: protocol === 'both' ? protocols : [protocol as Protocol],
    methods: methods.methods,
    ...(fees === undefined ? {} : { fees }),
    ...(fleet.culprits ? { culprits: true } : {}),
    ...(fleet.storeFile === undefined ? {} : { storeFile: fleet.storeFile }),
  };
  const replay: RunFlags = {
    intents,
    terminals,
    seed,
    faults: selection,
    overrides,
    ...(methods.given ? { methods: methods.methods } : {}),
    ...(fleet.culprits ? { culprits: true } : {}),
  };
  return { options, replay, lang, fleet };
}

/** The truth (`--truth`) written, and where the kept store is (`--db`) said on stderr. */
function keepFleetOutputs(run: ReturnType<typeof readRun>, report: SimulationReport, io: CliIo): void {
  const { options, fleet } = run;
  if (fleet.truthFile !== undefined) {
    const { seed, intents, terminals, methods = [] } = options;
    writeTruth(
      fleet.truthFile,
      truthJson({ seed, intents, terminals, methods, culprits: report.culprits ?? [] }),
    );
  }
  if (fleet.storeFile !== undefined) {
    io.stderr.write(
      `the guarded host's store is kept in ${fleet.storeFile}: posguard diagnose --db ${JSON.stringify(fleet.storeFile)} --from ${simulatedDay} --to ${simulatedDay}\n`,
    );
  }
}

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate a day of faults: naive POS against posguard, duplicate charges counted',
  help,
  async run(args, io) {
    const flags = parseFlags('simulate', args, {
      intents: { type: 'string' },
      terminals: { type: 'string' },
      seed: { type: 'string' },
      faults: { type: 'string' },
      fault: { type: 'string', multiple: true },
      protocol: { type: 'string' },
      methods: { type: 'string' },
      fees: { type: 'boolean' },
      'fee-plan': { type: 'string' },
      lang: { type: 'string' },
      culprits: { type: 'boolean' },
      truth: { type: 'string' },
      db: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const run = readRun(flags, io);
    const started = Date.now();
    const report = await simulate(run.options, {
      // Progress on a terminal: each shard (a protocol on one half of the terminals) as it ends.
      onShardDone: (done, total, job) => {
        if (io.stderr.isTTY === true) {
          io.stderr.write(
            `simulated ${job.protocol} shard ${job.shard + 1} (${done}/${total}) after ${Math.round((Date.now() - started) / 1000)} s\n`,
          );
        }
      },
    });
    keepFleetOutputs(run, report, io);
    io.stdout.write(
      booleanFlag(flags, 'json')
        ? `${JSON.stringify(report)}\n`
        : formatReport(report, run.options.rates, run.lang),
    );
    // posguard broke its promise on this seed: say so, with the command that runs it again.
    const breaches = guardedBreaches(report);
    if (breaches.length === 0) return exitCodes.ok;
    io.stderr.write(
      `posguard simulate: seed ${run.options.seed} FAILED under guarded: ${breaches.join(', ')}\n` +
        `replay: ${replayCommand(run.replay)}\n`,
    );
    return exitCodes.failure;
  },
};
