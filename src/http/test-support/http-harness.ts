// The HTTP API in process over an engine harness (manual clock, in-memory store, simulated
// issuer), for tests that go through `inject()`. Every answer the app gives is recorded, and once
// a test file is done its answers are checked against the served /openapi.json (see
// openapi-conformance.ts): a status or a body the document does not describe fails the file.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, expect } from 'vitest';
import { addMerchant } from '../../merchants/merchant-admin.js';
import { createOperationsKey } from '../../merchants/operations-keys.js';
import { createPrometheusMetrics, type HostMetrics } from '../../metrics/prometheus-metrics.js';
import { fingerprintKey, makeHarness, type Harness } from '../../payments/test-support/engine-harness.js';
import { buildHttpApp, type HttpAppDeps } from '../http-app.js';
import type { HttpLimits } from '../http-server.js';
import { SeededRandom } from '../../random/random.js';
import { conformanceProblems, type OpenApiDocument, type RecordedResponse } from './openapi-conformance.js';

export const apiKey = 'pgk_test';

/**
 * A second merchant, M0002 ("Other shop", API key `pgk_other`), for the tests that one merchant's
 * key reaches nothing of another's.
 */
export async function addOtherMerchant(h: Harness): Promise<void> {
  await addMerchant(
    h.store,
    { id: 'M0002', name: 'Other shop', apiKey: 'pgk_other' },
    { random: new SeededRandom(7), now: h.clock.now() },
  );
}

/** A new operations key (acting for no merchant) on the harness's store; its API key. */
export async function addOperationsKey(h: Harness, label: string, seed: number): Promise<string> {
  const created = await createOperationsKey(
    h.store,
    { label },
    { random: new SeededRandom(seed), now: h.clock.now() },
  );
  return created.apiKey;
}

export interface HttpHarness extends Harness {
  readonly app: FastifyInstance;
  /** Every line the app logged, as written (JSON). */
  readonly logLines: string[];
  /** Sends a request with the test merchant's API key (unless the headers say otherwise). */
  call(options: InjectOptions): Promise<LightMyRequestResponse>;
}

/** The answers of this test file's apps, and one document to check them against. */
const recorded: RecordedResponse[] = [];
let served: OpenApiDocument | undefined;

afterAll(() => {
  if (served === undefined || recorded.length === 0) return;
  expect(conformanceProblems(served, recorded)).toEqual([]);
});

export async function makeHttpHarness(
  options: Parameters<typeof makeHarness>[0] & {
    limits?: HttpLimits;
    dashboard?: HttpAppDeps['dashboard'];
    reconciliationRuns?: HttpAppDeps['reconciliationRuns'];
  } = {},
): Promise<HttpHarness> {
  let metrics: HostMetrics | undefined;
  const { limits, dashboard, reconciliationRuns, ...engineOptions } = options;
  const h = await makeHarness({
    ...engineOptions,
    metrics: (store) => (metrics = createPrometheusMetrics(store)),
  });
  if (metrics === undefined) throw new Error('the harness did not build its metrics');
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await buildHttpApp({
    engine: h.engine,
    store: h.store,
    registry: metrics.registry,
    fingerprintKey,
    logger: pino({ level: 'info' }, logStream),
    version: 'test',
    clock: h.clock,
    ...(limits === undefined ? {} : { limits }),
    ...(dashboard === undefined ? {} : { dashboard }),
    ...(reconciliationRuns === undefined ? {} : { reconciliationRuns }),
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (typeof payload === 'string') {
      recorded.push({
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        contentType: String(reply.getHeader('content-type') ?? ''),
        body: payload,
      });
    }
    done(null, payload);
  });
  // The document as /openapi.json serves it (a copy: the app may be closed by the end of the file).
  await app.ready();
  served ??= JSON.parse(JSON.stringify(app.swagger())) as OpenApiDocument;
  return {
    ...h,
    app,
    logLines,
    call: (request) =>
      app.inject({
        ...request,
        headers: { authorization: `Bearer ${apiKey}`, ...(request.headers ?? {}) },
      }),
  };
}
