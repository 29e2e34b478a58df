// `posguard export`: the host journal of a store in the v1 reconciliation format, ready for
// `posguard reconcile` or an acquirer's tools. Written to a temporary file and renamed into place,
// so a failed export never leaves a partial file that looks complete.
import { rethrowInvariant } from '../../assert.js';
import { once } from 'node:events';
import { createWriteStream, openSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { PosError } from '../../pos-error.js';
import {
  hostJournalHeader,
  hostJournalLine,
  hostRowsFromStore,
  type StoreExportCounts,
} from '../../reconciliation/index.js';
import {
  booleanFlag,
  exitCodes,
  parseFlags,
  requiredStringFlag,
  stringFlag,
  wantsHelp,
  type Command,
} from '../command.js';
import { checkRange, parseBound, parseUtcOffset } from '../day-range.js';
import { openStoreFromFlags, storeFlagHelp, storeFlagSpec } from '../store-flags.js';

const help = [
  'Usage: posguard export [--db PATH] [--from DATE] [--to DATE] --out FILE [--utc-offset +08:00] [--json]',
  '',
  "Writes the store's host journal as a v1 CSV (docs/reference/reconciliation-csv.md): one line per",
  'sale, void and refund. Suspected duplicates that were never sent upstream, and payments still in',
  'flight, are left out (and counted). A sale awaiting or past its reversal is exported as reversed.',
  "A QR sale carries its wallet, order number, trade number and payer fingerprint (a wallet's bill",
  'finds it by them); one held as a suspected duplicate was charged and is being cancelled: reversed.',
  '',
  '  --from DATE         first day (2026-11-25) or exact time (2026-11-25T14:00:00+08:00) to export',
  '  --to DATE           last day, inclusive (or an exact time, exclusive)',
  '  --out FILE          where to write the CSV (replaced only when the export succeeds)',
  '  --utc-offset +HH:MM the offset of times in the file and of --from/--to dates (default +08:00)',
  '  --json              print { "rows", "skipped", "out" }',
  storeFlagHelp,
  '',
  'Example:',
  '  posguard export --db ./data/posguard.db --from 2026-11-25 --to 2026-11-25 --out host-20261125.csv',
  '',
].join('\n');

function exportFailed(out: string, error: unknown): PosError {
  return new PosError(
    'POS_ERR_EXPORT_WRITE_FAILED',
    `--out: cannot write ${out}: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, details: { out } },
  );
}

function openOut(out: string, temporary: string): number {
  try {
    return openSync(temporary, 'w');
  } catch (error) {
    throw exportFailed(out, error);
  }
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'write the host journal of a store as a v1 reconciliation CSV',
  help,
  async run(args, io) {
    const flags = parseFlags('export', args, {
      ...storeFlagSpec,
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      'utc-offset': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (wantsHelp(flags)) {
      io.stdout.write(help);
      return exitCodes.ok;
    }
    const out = resolve(io.cwd, requiredStringFlag('export', flags, 'out'));
    const offset = parseUtcOffset('export', stringFlag(flags, 'utc-offset') ?? '+08:00');
    const from = stringFlag(flags, 'from');
    const to = stringFlag(flags, 'to');
    const fromMs = from === undefined ? undefined : parseBound('export', 'from', from, offset);
    const toMs = to === undefined ? undefined : parseBound('export', 'to', to, offset);
    checkRange('export', fromMs, toMs);
    const { store } = await openStoreFromFlags(flags, io);
    const temporary = `${out}.${process.pid}.partial`;
    const counts: StoreExportCounts = { exported: 0, skipped: 0 };
    try {
      // Opened here so a folder that is not there or not writable is one clear error, not a stream's.
      const file = createWriteStream('', { fd: openOut(out, temporary), encoding: 'utf8' });
      file.on('error', () => undefined); // reported by the drain or finish it interrupts
      file.write(`${hostJournalHeader}\n`);
      for await (const row of hostRowsFromStore(store, {
        counts,
        ...(fromMs !== undefined ? { fromMs } : {}),
        ...(toMs !== undefined ? { toMs } : {}),
      })) {
        if (!file.write(`${hostJournalLine(row, offset)}\n`)) await once(file, 'drain');
        if (io.stderr.isTTY === true && counts.exported % 100_000 === 0)
          io.stderr.write(`\r\x1b[Kexported ${counts.exported} rows`);
      }
      file.end();
      await once(file, 'finish');
      renameSync(temporary, out);
    } catch (error) {
      rmSync(temporary, { force: true });
      rethrowInvariant(error);
      if (error instanceof PosError) throw error;
      throw exportFailed(out, error);
    } finally {
      await store.close();
    }
    if (io.stderr.isTTY === true) io.stderr.write('\r\x1b[K');
    io.stdout.write(
      booleanFlag(flags, 'json')
        ? `${JSON.stringify({ rows: counts.exported, skipped: counts.skipped, out })}\n`
        : `exported ${counts.exported} rows to ${out} (${counts.skipped} left out: held duplicates or still in flight)\n`,
    );
    return exitCodes.ok;
  },
};
