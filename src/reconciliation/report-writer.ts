// Writes a run's reports into a directory: exceptions.csv (the v1 exception columns, RFC 4180),
// summary.json and report.html. Everything is written into a hidden staging folder inside the
// directory first and renamed into place only once all three are complete, summary.json last; if a
// rename fails, the files already placed are removed again, so a failed run never leaves a partial
// report behind.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PosError } from '../pos-error.js';
import { exceptionKinds, type ExceptionKind } from './exception-kinds.js';
import type { ReconException } from './exception-list.js';
import type { ReconciliationResult } from './reconcile.js';
import { renderReportHtml } from './report-html.js';

export const exceptionColumns = [
  'kind',
  'cause',
  'action',
  'merchant_id',
  'terminal_id',
  'batch_no',
  'stan',
  'rrn',
  'related_rrn',
  'host_amount',
  'settled_amount',
  'detail',
] as const;

export const reportFiles = {
  exceptions: 'exceptions.csv',
  summary: 'summary.json',
  html: 'report.html',
} as const;

/** The summary `--json` prints and summary.json holds. Every kind is a key, zero when none. */
export interface ReconciliationSummary {
  readonly hostRows: number;
  readonly terminalRows: number;
  readonly settlementRows: number;
  readonly matched: number;
  readonly exceptions: Record<ExceptionKind, number>;
  readonly amounts: Record<ExceptionKind, number>;
  readonly outDir: string;
}

export interface ReportInputs {
  readonly host: string;
  readonly settlement: string;
  readonly terminal: string | null;
  readonly profile: string | null;
}

export function summaryOf(result: ReconciliationResult, outDir: string): ReconciliationSummary {
  const pick = (values: Readonly<Record<ExceptionKind, number>>): Record<ExceptionKind, number> =>
    Object.fromEntries(exceptionKinds.map((k) => [k, values[k]])) as Record<ExceptionKind, number>;
  return {
    hostRows: result.hostRows,
    terminalRows: result.terminalRows,
    settlementRows: result.settlementRows,
    matched: result.matched,
    exceptions: pick(result.exceptionCounts),
    amounts: pick(result.amounts),
    outDir,
  };
}

/** Quotes a cell per RFC 4180 when it holds a comma, a quote or a line break. */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A cell of exceptions.csv, which people open in a spreadsheet: text from another party's file
 * that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage
 * return) gets a leading apostrophe, so it shows as text (OWASP "CSV injection"). Real values
 * (RRNs, ids, amounts in fen, posguard's sentences) never start so and pass unchanged.
 */
export function reportCell(text: string): string {
  return csvCell(/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
}

export function exceptionCsvLine(e: ReconException): string {
  return [
    e.kind,
    e.cause,
    e.action,
    e.merchantId,
    e.terminalId,
    e.batchNo,
    e.stan,
    e.rrn,
    e.relatedRrn,
    e.hostAmountMinor === null ? '' : String(e.hostAmountMinor),
    e.settledAmountMinor === null ? '' : String(e.settledAmountMinor),
    e.detail,
  ]
    .map(reportCell)
    .join(',');
}

/** Bytes gathered before each write of exceptions.csv. */
const writeChunkChars = 1024 * 1024;

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
    await writeExceptionsCsv(join(staging, reportFiles.exceptions), result);
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

async function writeExceptionsCsv(path: string, result: ReconciliationResult): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    let chunk = `${exceptionColumns.join(',')}\r\n`;
    for (const exception of result.exceptions) {
      chunk += `${exceptionCsvLine(exception)}\r\n`;
      if (chunk.length >= writeChunkChars) {
        await handle.write(chunk);
        chunk = '';
      }
    }
    await handle.write(chunk);
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
