// Prometheus metrics for a host: payments by kind and status reached, duplicates prevented by
// reason, the reversal queue's depth, and upstream latency. The engine reports through the
// EngineMetrics port; this adapter turns that into prom-client series on a registry of its own
// (so several hosts in one test process do not share counters).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineMetrics } from '../payments/engine-context.js';
import type { Store } from '../store/store.js';

export interface HostMetrics extends EngineMetrics {
  readonly registry: Registry;
}

export function createPrometheusMetrics(
  store: Store,
  options: { processMetrics?: boolean } = {},
): HostMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry, prefix: 'posguard_' });
  const payments = new Counter({
    name: 'posguard_payments_total',
    help: 'Payments that reached each status, by kind (sale, void, refund) and status.',
    labelNames: ['kind', 'status'],
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'posguard_duplicates_prevented_total',
    help: 'Duplicate charges prevented, by reason (retransmission replayed, in-flight repeat refused, suspect held or blocked, late original refused).',
    labelNames: ['reason'],
    registers: [registry],
  });
  new Gauge({
    name: 'posguard_reversal_queue_depth',
    help: 'Reversals queued and not yet acknowledged upstream.',
    registers: [registry],
    async collect() {
      this.set(await store.read((reader) => reader.countReversals('queued')));
    },
  });
  new Gauge({
    name: 'posguard_reversals_failed',
    help: 'Reversals that exhausted their retries and need manual action.',
    registers: [registry],
    async collect() {
      this.set(await store.read((reader) => reader.countReversals('failed')));
    },
  });
  const latency = new Histogram({
    name: 'posguard_upstream_latency_seconds',
    help: 'Time the upstream took to answer (or until the host gave up), by operation and outcome.',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    registry,
    paymentStatus: (kind, status) => payments.inc({ kind, status }),
    duplicatePrevented: (reason) => duplicates.inc({ reason }),
    upstreamCall: (operation, outcome, latencyMs) =>
      latency.observe({ operation, outcome }, latencyMs / 1000),
  };
}
