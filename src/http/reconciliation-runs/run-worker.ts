// The thread one dashboard or API reconciliation run works on (issue 15): it reads the run's files
// (temporary copies of the uploads, each under the name its sender gave it), matches them, writes
// the report into the run's folder and posts back the summary, the first exceptions for the page,
// and the findings worth keeping in the store. Everything heavy happens here, so the host's event
// loop keeps answering payments while a day is reconciled. One thread per run: the reconciler's
// own second parsing thread is not used, so a run takes one core and leaves the other to the host.
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '../../assert.js';
import { isPosError, PosError } from '../../pos-error.js';
import {
  builtInProfile,
  countsOf,
  parseMappingProfile,
  reconcile,
  storedKinds,
  writeReport,
  type MappingProfile,
  type ReconException,
  type SettlementSource,
} from '../../reconciliation/index.js';
import type { RunJob, RunMessage } from './run-job.js';

const port = parentPort;
assert(port !== null, 'run-worker.ts runs as a worker thread');
const job = workerData as RunJob;

/** The largest mapping profile read, as the CLI's (mapping-profile.ts). */
const maxProfileBytes = 1024 * 1024;

async function uploadedProfile(file: { path: string; name: string }): Promise<MappingProfile> {
  const bytes = await readFile(file.path);
  if (bytes.length > maxProfileBytes) {
    throw new PosError(
      'POS_ERR_RECON_BAD_PROFILE',
      `mapping profile ${file.name}: expected at most ${maxProfileBytes} bytes of JSON, got ${bytes.length}`,
      { details: { file: file.name } },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new PosError(
      'POS_ERR_RECON_BAD_PROFILE',
      `mapping profile ${file.name}: not valid UTF-8 JSON (${(error as Error).message})`,
      { details: { file: file.name }, cause: error },
    );
  }
  return parseMappingProfile(json, file.name);
}

async function settlementSource(): Promise<SettlementSource> {
  const file = { path: job.settlement.path, name: job.settlement.name };
  const format = job.format;
  if (format.kind === 'v1') return { kind: 'csv', ...file };
  const profile =
    format.kind === 'wallet' ? builtInProfile(format.wallet) : await uploadedProfile(format.profile);
  assert(profile !== undefined, 'the upload named a built-in profile');
  if (format.kind !== 'wallet') return { kind: 'profile', ...file, profile };
  const expect = {
    ...(format.walletMerchant === null ? {} : { merchant: format.walletMerchant }),
    ...(format.walletApp === null ? {} : { app: format.walletApp }),
  };
  return { kind: 'profile', ...file, profile, expect };
}

async function run(): Promise<void> {
  const settlement = await settlementSource();
  const result = await reconcile({
    host: { kind: 'csv', path: job.host.path, name: job.host.name },
    settlement,
    terminal:
      job.terminal === null ? undefined : { kind: 'csv', path: job.terminal.path, name: job.terminal.name },
    duplicateWindowS: job.duplicateWindowS,
    threads: 1,
    onProgress: (p) => port!.postMessage({ type: 'progress', ...p } satisfies RunMessage),
  });
  port!.postMessage({ type: 'phase', phase: 'writing' } satisfies RunMessage);
  await writeReport({
    outDir: job.outDir,
    result,
    inputs: {
      host: job.host.name,
      settlement: job.settlement.name,
      terminal: job.terminal?.name ?? null,
      profile: job.format.kind === 'v1' ? null : job.format.label,
    },
    generatedAt: new Date(),
  });
  // The first of each kind for the page (exceptions.csv has them all), and every finding to keep.
  const shown: ReconException[] = [];
  const findings: ReconException[] = [];
  const perKind = new Map<string, number>();
  for (const exception of result.exceptions) {
    const seen = perKind.get(exception.kind) ?? 0;
    perKind.set(exception.kind, seen + 1);
    if (seen < job.keepPerKind) shown.push(exception);
    if (job.keepFindings && storedKinds.includes(exception.kind)) findings.push(exception);
  }
  port!.postMessage({
    type: 'done',
    summary: {
      ...countsOf(result),
      settledAmountMinor: result.settledAmountMinor,
      feesMinor: result.feesMinor,
      duplicateWindowS: result.duplicateWindowS,
    },
    exceptions: shown,
    findings,
  } satisfies RunMessage);
}

run().catch((error: unknown) => {
  const message: RunMessage = isPosError(error)
    ? { type: 'error', code: error.code, message: error.message, details: error.details }
    : { type: 'crash', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  port.postMessage(message);
});
