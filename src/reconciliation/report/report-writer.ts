// Writes a run's reports into a directory: exceptions.csv (the v1 exception columns, RFC 4180),
// summary.json and report.html. Everything is written into a hidden staging folder inside the
// directory first and renamed into place only once all three are complete, summary.json last; if a
// rename fails, the files already placed are removed again, so a failed run never leaves a partial
// report behind.
import { rethrowInvariant } from '../../assert.js';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PosError } from '../../pos-error.js';
import type { ReconciliationResult } from '../match/reconciliation-result.js';
import { writeExceptionsCsv } from './exceptions-csv.js';
import { renderReportHtml } from './report-html.js';
import { reportFiles, summaryOf, type ReconciliationSummary, type ReportInputs } from './report-summary.js';

export async function writeReport(options: {
  readonly outDir: string;
  readonly result: ReconciliationResult;
  readonly inputs: ReportInputs;
  /** When the report was made, for the page and summary.json (the clock stays at the edge). */
  readonly generatedAt: Date;
}): Promise<ReconciliationSummary> {
  const { outDir, result } = options;
  const summary = summaryOf(result, outDir);
  let staging: string | undefined;
  const placed: string[] = [];
  try {
    await mkdir(outDir, { recursive: true });
    staging = join(outDir, `.posguard-partial-${process.pid}-${Date.now().toString(36)}`);
    await mkdir(staging);
    await writeExceptionsFile(join(staging, reportFiles.exceptions), result);
    const html = renderReportHtml({ result, inputs: options.inputs, generatedAt: options.generatedAt });
    await writeWhole(join(staging, reportFiles.html), html);
    const full = {
      ...summary,
      duplicateWindowS: result.duplicateWindowS,
      settledAmountMinor: result.settledAmountMinor,
      feesMinor: result.feesMinor,
      inputs: options.inputs,
      generatedAt: options.generatedAt.toISOString(),
    };
    await writeWhole(join(staging, reportFiles.summary), `${JSON.stringify(full, null, 2)}\n`);
    for (const name of [reportFiles.exceptions, reportFiles.html, reportFiles.summary]) {
      await rename(join(staging, name), join(outDir, name));
      placed.push(join(outDir, name));
    }
  } catch (error) {
    rethrowInvariant(error);
    // A report is the three files together: take back the ones already placed.
    await Promise.all(placed.map((path) => rm(path, { force: true })));
    throw new PosError(
      'POS_ERR_RECON_REPORT_WRITE',
      `cannot write the report into ${outDir}: ${(error as Error).message}`,
      {
        details: { outDir },
        cause: error,
      },
    );
  } finally {
    if (staging !== undefined) await rm(staging, { recursive: true, force: true });
  }
  return summary;
}

async function writeExceptionsFile(path: string, result: ReconciliationResult): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await writeExceptionsCsv(handle, result);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeWhole(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
