// Prometheus metrics for a host: payments by kind and status reached, duplicates prevented by
// reason, the reversal queue's depth, upstream latency, the ISO 8583 channel's requests and
// connections, and the fleet diagnosis's findings (diagnosis-gauges.ts). The engine reports through the EngineMetrics port and the ISO door through
// IsoMetrics; this adapter turns both into prom-client series on a registry of its own (so several
// hosts in one test process do not share counters).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { IsoMetrics } from '../iso-host/index.js';
import type { EngineMetrics } from '../payments/engine-context.js';
import type { Store } from '../payments/ports/store.js';
import { systemClock } from '../clock/clock.js';
import {
  defaultDiagnosisGaugeOptions,
  diagnosisGauges,
  type DiagnosisGaugeOptions,
  type DiagnosisGauges,
} from './diagnosis-gauges.js';

export interface HostMetrics extends EngineMetrics {
  readonly registry: Registry;
  readonly iso: IsoMetrics;
  readonly diagnosis: DiagnosisGauges;
}

export function createPrometheusMetrics(
  store: Store,
  options: { processMetrics?: boolean; diagnosis?: Partial<DiagnosisGaugeOptions> } = {},
): HostMetrics {
  const registry = new Registry();
  if (options.processMetrics === true) collectDefaultMetrics({ register: registry, prefix: 'posguard_' });
  // The engine's series first, then the ISO door's, then the diagnosis's: /metrics lists them in this order.
  const engine = engineMetrics(registry, store);
  const iso = isoMetrics(registry);
  const diagnosis = diagnosisGauges(registry, store, {
    ...defaultDiagnosisGaugeOptions,
    clock: systemClock,
    ...options.diagnosis,
  });
  return { registry, iso, diagnosis, ...engine };
}

/** Payments, duplicates prevented, the reversal queue (read from the store when scraped), upstream latency. */
function engineMetrics(registry: Registry, store: Store): EngineMetrics {
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
    paymentStatus: (kind, status) => payments.inc({ kind, status }),
    duplicatePrevented: (reason) => duplicates.inc({ reason }),
    upstreamCall: (operation, outcome, latencyMs) =>
      latency.observe({ operation, outcome }, latencyMs / 1000),
  };
}

/** The ISO 8583 door's requests by type and answer, their duration, and its open connections. */
function isoMetrics(registry: Registry): IsoMetrics {
  const isoRequests = new Counter({
    name: 'posguard_iso_requests_total',
    help: 'ISO 8583 frames handled, by transaction type and what was answered (the response code, withheld or closed).',
    labelNames: ['type', 'response_code'],
    registers: [registry],
  });
  const isoDuration = new Histogram({
    name: 'posguard_iso_request_duration_seconds',
    help: 'Time from an ISO 8583 frame received to its answer built, by transaction type.',
    labelNames: ['type'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  let isoConnections: (() => number) | undefined;
  new Gauge({
    name: 'posguard_iso_connections',
    help: 'Open ISO 8583 TCP connections (0 when the channel is off).',
    registers: [registry],
    collect() {
      this.set(isoConnections?.() ?? 0);
    },
  });
  return {
    request: (type, outcome, seconds) => {
      isoRequests.inc({ type, response_code: outcome });
      isoDuration.observe({ type }, seconds);
    },
    watchConnections: (count) => {
      isoConnections = count;
    },
  };
}
