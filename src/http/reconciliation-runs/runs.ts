// Reconciliation runs over HTTP (issue 15): the host keeps each run in memory with its folder of
// temporary files, queues runs and works them one at a time on a thread of their own
// (run-worker.ts), so payments keep being answered meanwhile. A run's uploads are deleted once it
// ends; what stays is its report (exceptions.csv, summary.json, report.html) and, for the page,
// its summary and the first exceptions of each kind. A failed run keeps only its error: nothing
// half-made. Runs end with the process, like dashboard sessions, and the oldest finished ones make
// room for new ones. A day read from the store keeps its duplicate findings there, as
// `reconcile --db` does, so GET /v1/duplicates lists them.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Clock } from '../../clock/clock.js';
import type { ErrorCode } from '../../error-catalogue.js';
import { redactCardNumbers } from '../../cards/card-in-text.js';
import { PosError } from '../../pos-error.js';
import type { Store } from '../../payments/ports/store.js';
import {
  hostJournalHeader,
  hostJournalLine,
  hostRowsFromStore,
  storeFindings,
  type ReconException,
} from '../../reconciliation/index.js';
import { startWorker } from '../../start-worker.js';
import type { RunFile, RunJob, RunMessage, RunSummary, SettlementFormat } from './run-job.js';

export type RunOwner =
  | { readonly role: 'merchant'; readonly merchantId: string }
  | { readonly role: 'operations'; readonly keyId: string };

export type RunSourceName = 'host' | 'settlement' | 'terminal';

/** What a run reads: uploads (name and size), or the host journal of a day from the store. */
export interface RunInputs {
  readonly settlement: { readonly name: string; readonly bytes: number };
  readonly host:
    | { readonly kind: 'upload'; readonly name: string; readonly bytes: number }
    | { readonly kind: 'store'; readonly day: string; readonly merchantId: string | null };
  readonly terminal: { readonly name: string; readonly bytes: number } | null;
  readonly format: 'v1' | 'alipay' | 'wechat' | 'profile';
  readonly profileName: string | null;
}

/** A run as the request that starts it hands it over: its folder with the files, and what to read. */
export interface NewRun {
  readonly dir: string;
  readonly inputs: RunInputs;
  readonly settlement: RunFile;
  /** The uploaded host journal, or null when it comes from the store (`inputs.host`). */
  readonly host: RunFile | null;
  readonly terminal: RunFile | null;
  readonly format: SettlementFormat;
  readonly duplicateWindowS: number;
  /** A digest of everything uploaded and chosen: a retry with the same key must match it. */
  readonly fingerprint: string;
  /** The store day's bounds, epoch ms, when the host journal comes from the store. */
  readonly storeDay: { readonly fromMs: number; readonly toMs: number } | null;
}

export type RunState = 'queued' | 'running' | 'succeeded' | 'failed';
export type RunPhase = 'queued' | 'exporting' | 'reading' | 'writing' | 'done';

export interface RunError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: string | null;
}

export interface Run {
  readonly id: string;
  readonly owner: RunOwner;
  readonly createdAt: number;
  readonly inputs: RunInputs;
  state: RunState;
  phase: RunPhase;
  startedAt: number | null;
  finishedAt: number | null;
  readonly progress: Record<RunSourceName, { rows: number; bytesRead: number; bytes: number | null }>;
  summary: RunSummary | null;
  /** The first exceptions of each kind (RunLimits.exceptionsPerKind); exceptions.csv has all. */
  exceptions: ReconException[];
  findings: { stored: number; alreadyStored: number } | null;
  error: RunError | null;
  /** The report's folder while the run lives; null once removed. */
  dir: string | null;
}

export interface RunLimits {
  /** The largest file one upload part may be, in bytes. */
  readonly maxFileBytes: number;
  /** Runs queued or running at once, host-wide; more are refused (429). */
  readonly maxPending: number;
  /** Of those, how many one merchant (or one operations key) may have, so none holds the queue. */
  readonly maxPendingPerOwner: number;
  /** Finished runs kept; the oldest goes first. */
  readonly maxKept: number;
  /** How long a finished run is kept. */
  readonly keepMs: number;
  readonly exceptionsPerKind: number;
}

export const defaultRunLimits: RunLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxPending: 4,
  maxPendingPerOwner: 2,
  maxKept: 50,
  keepMs: 24 * 3_600_000,
  exceptionsPerKind: 500,
};

export const reportFileNames = ['exceptions.csv', 'summary.json', 'report.html'] as const;

interface Entry {
  readonly run: Run;
  readonly job: NewRun;
  readonly idempotencyKey: string;
}

/** Whether `owner` may see `run`: operations every run, a merchant only its own merchant's. */
export function mayRead(owner: RunOwner, run: Run): boolean {
  if (owner.role === 'operations') return true;
  return run.owner.role === 'merchant' && run.owner.merchantId === owner.merchantId;
}

function ownerKey(owner: RunOwner): string {
  return owner.role === 'merchant' ? `m:${owner.merchantId}` : `o:${owner.keyId}`;
}

export class ReconciliationRuns {
  readonly limits: RunLimits;
  readonly #store: Store;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #entries = new Map<string, Entry>();
  readonly #byKey = new Map<string, string>();
  readonly #queue: string[] = [];
  #root: Promise<string> | undefined;
  #worker: Worker | undefined;
  #busy = false;
  #closed = false;

  constructor(deps: { store: Store; clock: Pick<Clock, 'now'>; limits?: RunLimits }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.limits = deps.limits ?? defaultRunLimits;
  }

  /** A fresh folder for one run's files, inside the host's own temporary folder. */
  async newDir(): Promise<string> {
    this.#root ??= mkdtemp(join(tmpdir(), 'posguard-recon-'));
    return mkdtemp(join(await this.#root, 'run-'));
  }

  /**
   * Queues a run; with a key already used by this owner, the run it started (replayed) if the
   * request is the same, else the reuse is refused. The new folder is removed when unused.
   */
  async submit(
    owner: RunOwner,
    idempotencyKey: string,
    job: NewRun,
  ): Promise<{ run: Run; replayed: boolean }> {
    this.#sweep();
    const key = `${ownerKey(owner)}|${idempotencyKey}`;
    const earlier = this.#entries.get(this.#byKey.get(key) ?? '');
    if (earlier !== undefined) {
      await rm(job.dir, { recursive: true, force: true });
      if (earlier.job.fingerprint !== job.fingerprint) {
        throw new PosError(
          'POS_ERR_IDEMPOTENCY_KEY_REUSED',
          'Idempotency-Key: this key started another reconciliation run, with other files or settings',
          { details: { runId: earlier.run.id } },
        );
      }
      return { run: earlier.run, replayed: true };
    }
    const pending = [...this.#entries.values()].filter((e) => e.run.finishedAt === null);
    const owners = pending.filter((e) => ownerKey(e.run.owner) === ownerKey(owner)).length;
    if (pending.length >= this.limits.maxPending || owners >= this.limits.maxPendingPerOwner) {
      await rm(job.dir, { recursive: true, force: true });
      const whose = owners >= this.limits.maxPendingPerOwner ? 'this caller' : 'the host';
      throw new PosError(
        'POS_ERR_RECON_RUNS_BUSY',
        `${whose} already has ${whose === 'the host' ? this.limits.maxPending : this.limits.maxPendingPerOwner} reconciliation runs queued or running; retry when one has finished`,
        { details: { retryAfterS: 30 } },
      );
    }
    const run = this.#newRun(owner, job);
    this.#entries.set(run.id, { run, job, idempotencyKey: key });
    this.#byKey.set(key, run.id);
    this.#queue.push(run.id);
    this.#pump();
    return { run, replayed: false };
  }

  #newRun(owner: RunOwner, job: NewRun): Run {
    const bytes = (file: { bytes: number } | null): number | null => file?.bytes ?? null;
    return {
      id: `rcr_${randomBytes(12).toString('base64url')}`,
      owner,
      createdAt: this.#clock.now(),
      inputs: job.inputs,
      state: 'queued',
      phase: 'queued',
      startedAt: null,
      finishedAt: null,
      progress: {
        host: {
          rows: 0,
          bytesRead: 0,
          bytes: job.inputs.host.kind === 'upload' ? job.inputs.host.bytes : null,
        },
        settlement: { rows: 0, bytesRead: 0, bytes: job.inputs.settlement.bytes },
        terminal: { rows: 0, bytesRead: 0, bytes: bytes(job.inputs.terminal) },
      },
      summary: null,
      exceptions: [],
      findings: null,
      error: null,
      dir: job.dir,
    };
  }

  get(id: string): Run | undefined {
    return this.#entries.get(id)?.run;
  }

  /** The runs `owner` may read, newest first. */
  list(owner: RunOwner): Run[] {
    this.#sweep();
    return [...this.#entries.values()]
      .map((e) => e.run)
      .filter((run) => mayRead(owner, run))
      .reverse();
  }

  /** Stops the running thread and removes every run's files. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    await this.#worker?.terminate();
    if (this.#root !== undefined) await rm(await this.#root, { recursive: true, force: true });
  }

  #pump(): void {
    if (this.#busy || this.#closed) return;
    const id = this.#queue.shift();
    const entry = id === undefined ? undefined : this.#entries.get(id);
    if (entry === undefined) return;
    this.#busy = true;
    void this.#work(entry).finally(() => {
      this.#busy = false;
      this.#sweep();
      this.#pump();
    });
  }

  async #work({ run, job }: Entry): Promise<void> {
    run.state = 'running';
    run.startedAt = this.#clock.now();
    try {
      const host = job.host ?? (await this.#exportDay(run, job));
      run.phase = 'reading';
      const done = await this.#runThread(run, {
        outDir: join(job.dir, 'report'),
        host,
        settlement: job.settlement,
        terminal: job.terminal,
        format: job.format,
        duplicateWindowS: job.duplicateWindowS,
        keepPerKind: this.limits.exceptionsPerKind,
        keepFindings: job.inputs.host.kind === 'store',
      });
      if (job.inputs.host.kind === 'store') run.findings = await this.#keepFindings(run, done.findings);
      run.summary = done.summary;
      run.exceptions = done.exceptions;
      run.state = 'succeeded';
    } catch (error) {
      run.error = runError(error);
      run.state = 'failed';
      run.exceptions = [];
    } finally {
      run.phase = 'done';
      run.finishedAt = this.#clock.now();
      await removeInputs(run, job);
    }
  }

  /** The day's host journal from the store, as `posguard export` writes it, into the run's folder. */
  async #exportDay(run: Run, job: NewRun): Promise<RunFile> {
    const host = run.inputs.host;
    if (host.kind !== 'store' || job.storeDay === null) throw new Error('a store run names its day');
    run.phase = 'exporting';
    const file = { path: join(job.dir, 'host-journal.csv'), name: `posguard-host-journal-${host.day}.csv` };
    const out = createWriteStream(file.path, { encoding: 'utf8', flags: 'wx' });
    const failed = once(out, 'error');
    failed.catch(() => undefined);
    out.write(`${hostJournalHeader}\n`);
    for await (const row of hostRowsFromStore(this.#store, job.storeDay)) {
      if (host.merchantId !== null && row.merchantId !== host.merchantId) continue;
      run.progress.host.rows += 1;
      if (!out.write(`${hostJournalLine(row)}\n`)) await Promise.race([once(out, 'drain'), failed]);
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    return file;
  }

  #runThread(run: Run, job: RunJob): Promise<Extract<RunMessage, { type: 'done' }>> {
    const worker = startWorker(import.meta.url, 'run-worker', job);
    this.#worker = worker;
    return new Promise<Extract<RunMessage, { type: 'done' }>>((resolve, reject) => {
      worker.on('message', (message: RunMessage) => {
        if (message.type === 'progress') {
          const source = run.progress[message.source];
          source.rows = message.rows;
          source.bytesRead = message.bytesRead;
        } else if (message.type === 'phase') run.phase = message.phase;
        else if (message.type === 'done') resolve(message);
        else if (message.type === 'error')
          reject(new PosError(message.code, message.message, { details: message.details }));
        else
          reject(new PosError('POS_ERR_RECON_WORKER_FAILED', `the run's thread failed: ${message.message}`));
      });
      worker.on('error', (error) =>
        reject(new PosError('POS_ERR_RECON_WORKER_FAILED', `the run's thread stopped: ${error.message}`)),
      );
      worker.on('exit', (code) =>
        reject(new PosError('POS_ERR_RECON_WORKER_FAILED', `the run's thread exited with code ${code}`)),
      );
    }).finally(() => {
      this.#worker = undefined;
      void worker.terminate();
    });
  }

  /**
   * Keeps the run's duplicate findings in the store. A merchant's run keeps only those of its own
   * merchant: a line of its settlement file naming another merchant changes nothing of theirs.
   */
  async #keepFindings(
    run: Run,
    findings: readonly ReconException[],
  ): Promise<{ stored: number; alreadyStored: number }> {
    const owner = run.owner;
    const own =
      owner.role === 'merchant' ? findings.filter((f) => f.merchantId === owner.merchantId) : findings;
    return storeFindings(this.#store, own, { now: this.#clock.now() });
  }

  /** Forgets finished runs past their time, then the oldest finished ones past the number kept. */
  #sweep(): void {
    const now = this.#clock.now();
    const finished = [...this.#entries.values()].filter((e) => e.run.finishedAt !== null);
    const over = finished.length - this.limits.maxKept;
    finished.forEach((entry, index) => {
      if (index < over || now - (entry.run.finishedAt ?? now) > this.limits.keepMs) this.#forget(entry);
    });
  }

  #forget(entry: Entry): void {
    this.#entries.delete(entry.run.id);
    this.#byKey.delete(entry.idempotencyKey);
    entry.run.dir = null;
    void rm(entry.job.dir, { recursive: true, force: true });
  }
}

/** The error a failed run shows: its code, its message (card numbers taken out) and its place. */
function runError(error: unknown): RunError {
  const posError =
    error instanceof PosError
      ? error
      : new PosError('POS_ERR_RECON_WORKER_FAILED', `the run failed: ${(error as Error).message}`);
  const d = posError.details;
  return {
    code: posError.code,
    message: redactCardNumbers(posError.message),
    file: typeof d['file'] === 'string' ? d['file'] : null,
    line: typeof d['line'] === 'number' ? d['line'] : null,
    column: typeof d['column'] === 'string' ? redactCardNumbers(d['column']) : null,
  };
}

/** Removes the uploads; a failed run loses its whole folder, a finished one keeps its report. */
async function removeInputs(run: Run, job: NewRun): Promise<void> {
  if (run.state === 'failed') {
    run.dir = null;
    await rm(job.dir, { recursive: true, force: true });
    return;
  }
  const files = [
    job.host,
    job.settlement,
    job.terminal,
    job.format.kind === 'profile' ? job.format.profile : null,
  ];
  const paths = files.flatMap((f) => (f === null ? [] : [f.path]));
  await Promise.all([...paths, join(job.dir, 'host-journal.csv')].map((path) => rm(path, { force: true })));
  run.dir = join(job.dir, 'report');
}
