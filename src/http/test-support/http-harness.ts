// The HTTP API in process over an engine harness (manual clock, in-memory store, simulated
// issuer), for tests that go through `inject()`.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { createPrometheusMetrics, type HostMetrics } from '../../metrics/prometheus-metrics.js';
import { fingerprintKey, makeHarness, type Harness } from '../../payments/test-support/engine-harness.js';
import { buildHttpApp } from '../http-app.js';

export const apiKey = 'pgk_test';

export interface HttpHarness extends Harness {
  readonly app: FastifyInstance;
  /** Sends a request with the test merchant's API key (unless the headers say otherwise). */
  call(options: InjectOptions): Promise<LightMyRequestResponse>;
}

export async function makeHttpHarness(options: Parameters<typeof makeHarness>[0] = {}): Promise<HttpHarness> {
  let metrics: HostMetrics | undefined;
  const h = await makeHarness({
    ...options,
    metrics: (store) => (metrics = createPrometheusMetrics(store)),
  });
  if (metrics === undefined) throw new Error('the harness did not build its metrics');
  const app = await buildHttpApp({
    engine: h.engine,
    store: h.store,
    registry: metrics.registry,
    fingerprintKey,
    logger: pino({ level: 'silent' }),
    version: 'test',
  });
  return {
    ...h,
    app,
    call: (request) =>
      app.inject({
        ...request,
        headers: { authorization: `Bearer ${apiKey}`, ...(request.headers ?? {}) },
      }),
  };
}
