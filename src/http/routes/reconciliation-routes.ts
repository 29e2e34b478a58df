// Reconciliation runs over HTTP (issue 15), what the dashboard's Reconciliation page uses: POST the
// day's files (multipart) to start a run, GET it for its progress and result, GET its exceptions
// (JSON, by kind) and its exceptions.csv. A merchant reaches only the runs its own merchant
// started; operations reach every run. The work is in reconciliation-runs/.
import multipart from '@fastify/multipart';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isoTime } from '../../clock/clock.js';
import type { Store } from '../../payments/ports/store.js';
import { PosError } from '../../pos-error.js';
import { readScope } from '../merchant-scope.js';
import { callerOf, idempotencyKeyOf } from '../request-context.js';
import { readRunUpload } from '../reconciliation-runs/upload.js';
import { mayRead, type ReconciliationRuns, type Run, type RunOwner } from '../reconciliation-runs/runs.js';
import { idempotencyKeyHeader } from '../schemas.js';
import {
  exceptionErrors,
  exceptionPageView,
  exceptionQuery,
  runCreateErrors,
  runListQuery,
  runListView,
  runParams,
  runReadErrors,
  runUploadBody,
  runView,
} from './reconciliation-schemas.js';

interface ReconciliationRouteDeps {
  readonly runs: ReconciliationRuns;
  readonly store: Store;
}

const security = [{ apiKey: [] }];

function ownerOf(request: FastifyRequest): RunOwner {
  const caller = callerOf(request);
  return caller.role === 'merchant'
    ? { role: 'merchant', merchantId: caller.merchant.id }
    : { role: 'operations', keyId: caller.key.id };
}

/** How far a run is, 0 to 100: the files' bytes read, between the steps before and after. */
function percentOf(run: Run): number {
  switch (run.phase) {
    case 'queued':
      return 0;
    case 'exporting':
      return 5;
    case 'writing':
      return 95;
    case 'done':
      return 100;
    case 'reading': {
      const sources = Object.values(run.progress).filter((p) => p.bytes !== null && p.bytes > 0);
      const total = sources.reduce((n, p) => n + (p.bytes ?? 0), 0);
      const read = sources.reduce((n, p) => n + Math.min(p.bytesRead, p.bytes ?? 0), 0);
      return total === 0 ? 10 : 10 + Math.floor((80 * read) / total);
    }
  }
}

export function runJson(run: Run) {
  const time = (at: number | null): string | null => (at === null ? null : isoTime(at));
  return {
    id: run.id,
    state: run.state,
    phase: run.phase,
    percent: percentOf(run),
    createdAt: isoTime(run.createdAt),
    startedAt: time(run.startedAt),
    finishedAt: time(run.finishedAt),
    owner: { role: run.owner.role, merchantId: run.owner.role === 'merchant' ? run.owner.merchantId : null },
    inputs: run.inputs,
    progress: run.progress,
    summary: run.summary,
    findings: run.findings,
    error: run.error,
  };
}

/** The run of that id if this caller may read it; a run of another merchant is not found. */
function readableRun(runs: ReconciliationRuns, request: FastifyRequest<{ Params: { id: string } }>): Run {
  const run = runs.get(request.params.id);
  if (run === undefined || !mayRead(ownerOf(request), run)) {
    throw new PosError('POS_ERR_RECON_RUN_NOT_FOUND', 'no such reconciliation run for this caller', {
      details: {},
    });
  }
  return run;
}

function finishedRun(runs: ReconciliationRuns, request: FastifyRequest<{ Params: { id: string } }>): Run {
  const run = readableRun(runs, request);
  if (run.state !== 'succeeded' || run.dir === null) {
    throw new PosError(
      'POS_ERR_RECON_RUN_NOT_READY',
      `the run is ${run.state}: its exceptions exist once it has succeeded`,
      { details: { state: run.state } },
    );
  }
  return run;
}

export async function registerReconciliationRoutes(
  app: FastifyInstance,
  deps: ReconciliationRouteDeps,
): Promise<void> {
  app.addHook('onClose', () => deps.runs.close());
  await app.register(async (scope) => {
    // Multipart bodies on this route only; every other route takes JSON alone.
    await scope.register(multipart, { throwFileSizeLimit: false });
    registerCreateRoute(scope, deps);
  });
  registerReadRoutes(app, deps);
  registerExceptionRoutes(app, deps);
}

function registerCreateRoute(app: FastifyInstance, deps: ReconciliationRouteDeps): void {
  app.post(
    '/v1/reconciliation-runs',
    {
      schema: {
        summary: "Start a reconciliation run on a day's files",
        description:
          "A multipart/form-data body with the settlement file and the host journal (or a day, to read the host journal from this host's store) and, optionally, the terminal journal. Answers 202 with the run; GET it for its progress and result. Each file is at most 64 MiB. A problem with the request itself is answered at once, naming the part; a problem inside a file (its line and column) fails the run, which then shows the error and keeps nothing else. A retry with the same Idempotency-Key and the same files answers the same run.",
        tags: ['reconciliation'],
        security,
        headers: idempotencyKeyHeader,
        'x-multipart-body': runUploadBody,
        response: { 202: runView, ...runCreateErrors },
      },
    },
    async (request, reply) => {
      const owner = ownerOf(request);
      const key = idempotencyKeyOf(request);
      const job = await readRunUpload(request, deps.runs, {
        merchantWindowS: request.merchant?.duplicateWindowS ?? null,
        scope: (requested) => readScope(request, requested, deps.store),
      });
      const { run, replayed } = await deps.runs.submit(owner, key, job);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(202).header('location', `/v1/reconciliation-runs/${run.id}`).send(runJson(run));
    },
  );
}

function registerReadRoutes(app: FastifyInstance, deps: ReconciliationRouteDeps): void {
  app.get<{ Querystring: { merchantId?: string } }>(
    '/v1/reconciliation-runs',
    {
      schema: {
        summary: 'The reconciliation runs this caller may read, newest first',
        description:
          "A merchant sees its own merchant's runs; operations see every run, or with merchantId those a merchant started. Runs are kept in the host's memory: the last 50 finished, for a day at most, and none after a restart.",
        tags: ['reconciliation'],
        security,
        querystring: runListQuery,
        response: { 200: runListView, ...runReadErrors },
      },
    },
    async (request) => {
      const scope = await readScope(request, request.query.merchantId, deps.store);
      const runs = deps.runs
        .list(ownerOf(request))
        .filter((run) => scope === null || (run.owner.role === 'merchant' && run.owner.merchantId === scope));
      return { data: runs.map(runJson) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/reconciliation-runs/:id',
    {
      schema: {
        summary: 'A reconciliation run: its progress, and once done its summary or its error',
        tags: ['reconciliation'],
        security,
        params: runParams,
        response: { 200: runView, ...runReadErrors },
      },
    },
    async (request, reply) =>
      reply.header('cache-control', 'no-store').send(runJson(readableRun(deps.runs, request))),
  );
}

function registerExceptionRoutes(app: FastifyInstance, deps: ReconciliationRouteDeps): void {
  app.get<{ Params: { id: string }; Querystring: { kind?: string; offset?: string; limit?: string } }>(
    '/v1/reconciliation-runs/:id/exceptions',
    {
      schema: {
        summary: "A succeeded run's exceptions, in report order, optionally of one kind",
        description:
          'The API holds the first 500 exceptions of each kind; exceptions.csv has every one. Amounts are in fen.',
        tags: ['reconciliation'],
        security,
        params: runParams,
        querystring: exceptionQuery,
        response: { 200: exceptionPageView, ...exceptionErrors },
      },
    },
    (request, reply) => {
      const run = finishedRun(deps.runs, request);
      const { kind } = request.query;
      const offset = Number(request.query.offset ?? '0');
      const limit = Number(request.query.limit ?? '100');
      const held = kind === undefined ? run.exceptions : run.exceptions.filter((e) => e.kind === kind);
      const counts: Record<string, number> = run.summary?.exceptions ?? {};
      const total = Object.entries(counts).reduce(
        (n, [k, c]) => (kind === undefined || k === kind ? n + c : n),
        0,
      );
      return reply.send({ data: held.slice(offset, offset + limit), total, held: held.length, offset });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/reconciliation-runs/:id/exceptions.csv',
    {
      schema: {
        summary: "A succeeded run's exceptions.csv: every exception, the v1 exception columns",
        description:
          'kind,cause,action,merchant_id,terminal_id,batch_no,stan,rrn,related_rrn,host_amount,settled_amount,detail (RFC 4180; a cell a spreadsheet would run as a formula starts with an apostrophe).',
        tags: ['reconciliation'],
        security,
        params: runParams,
        produces: ['text/csv'],
        response: {
          200: { description: 'The CSV file.', content: { 'text/csv': { schema: { type: 'string' } } } },
          ...exceptionErrors,
        },
      },
    },
    async (request, reply) => {
      const run = finishedRun(deps.runs, request);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="exceptions-${run.id}.csv"`)
        .header('cache-control', 'no-store')
        .send(createReadStream(join(run.dir ?? '', 'exceptions.csv')));
    },
  );
}
