// `posguard verify`: checks the store's invariants and exits non-zero naming each breach.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verifyStore } from '../../audit/verify-store.js';
import { PosError } from '../../pos-error.js';
import { SqliteIssuerLedger } from '../../simulated-issuer/sqlite-issuer-ledger.js';
import { booleanFlag, exitCodes, parseFlags, stringFlag, wantsHelp, type Command } from '../command.js';
import { openStoreFromFlags, storeFlagHelp, storeFlagSpec } from '../store-flags.js';

const help = [
  'Usage: posguard verify [--db PATH] [--issuer-ledger PATH] [--json]',
  '',
  "Checks the store's invariants and names every breach (exit 1 when there is one):",
  '  journal_chain             the journal hash chain is intact (no row edited, removed or reordered)',
  '  journal_matches_payments  every payment is in the status its journal says (no row edited outside posguard)',
  '  key_bound_once            no idempotency key is bound to two payments',
  '  approved_once_upstream    no payment approved twice upstream, no RRN used twice',
  '  refunds_within_captured   refunds never exceed the sale, and the sale status agrees',
  '  no_orphan_pending         nothing pending past the upstream timeout; every reversal_pending is queued',
  '  issuer_agrees             (with a simulated issuer ledger) each settled sale charged exactly as recorded',
  '',
  storeFlagHelp,
  '  --issuer-ledger PATH  the simulated issuer ledger to compare with (default: issuer-ledger.db beside the database, if any)',
  '  --json                print { ok, checked, breaches }',
  '',
].join('\n');

/** The simulated issuer's ledger at `path`, or a bad flag when the file is something else. */
function openLedger(path: string): SqliteIssuerLedger {
  try {
    return new SqliteIssuerLedger(path, { readonly: true });
  } catch (error) {
    throw new PosError(
      'POS_ERR_CLI_BAD_FLAG',
      `verify: --issuer-ledger: ${path} is not a simulated issuer ledger (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}

export const verifyCommand: Command = {
  name: 'verify',
  summary: "check the store's invariants and name every breach",
  help,
  async run(args, io) {
    const flags = parseFlags('verify', args, {
      ...storeFlagSpec,
      'issuer-ledger': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const given = stringFlag(flags, 'issuer-ledger');
    const givenPath = given === undefined ? undefined : resolve(io.cwd, given);
    if (givenPath !== undefined && !existsSync(givenPath)) {
      throw new PosError(
        'POS_ERR_CLI_BAD_FLAG',
        `verify: --issuer-ledger: no file at ${JSON.stringify(given)} (leave the flag out to check the store alone)`,
      );
    }
    const { store, config } = await openStoreFromFlags(flags, io);
    // The simulated issuer's ledger sits beside a SQLite database; with PostgreSQL, name it.
    const ledgerPath =
      givenPath ?? (config.databaseUrl === null ? join(config.dataDir, 'issuer-ledger.db') : undefined);
    let ledger: SqliteIssuerLedger | undefined;
    try {
      ledger = ledgerPath !== undefined && existsSync(ledgerPath) ? openLedger(ledgerPath) : undefined;
      const report = await verifyStore(store, {
        now: Date.now(),
        pendingCutoffMs: config.engine.upstreamTimeoutMs + config.engine.recoveryGraceMs,
        ...(ledger !== undefined ? { issuerLedger: ledger } : {}),
      });
      if (booleanFlag(flags, 'json')) {
        io.stdout.write(`${JSON.stringify(report)}\n`);
      } else {
        const { journalRows, payments, requests } = report.checked;
        io.stdout.write(
          `checked ${journalRows} journal rows, ${payments} payments, ${requests} idempotency keys\n`,
        );
        for (const b of report.breaches) io.stdout.write(`BREACH ${b.invariant}: ${b.message}\n`);
        io.stdout.write(report.ok ? 'all invariants hold\n' : `${report.breaches.length} breach(es) found\n`);
      }
      return report.ok ? exitCodes.ok : exitCodes.failure;
    } finally {
      ledger?.close();
      await store.close();
    }
  },
};
