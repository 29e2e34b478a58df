// Prometheus gauges of the fleet diagnosis (issue 14): how many findings there are and the worst
// one's excess, per subject kind and cause, for alerting ("a terminal's reader went bad"). Labels
// are the two closed sets only (4 kinds × 5 causes = 20 series per gauge), never a terminal,
// operator or merchant id: ids are unbounded, and the findings themselves are one GET away
// (`GET /v1/diagnostics`). A diagnosis reads a day of the store, so it is not run per scrape: a
// scrape finding the last one older than `refreshMs` starts a new one in the background and is
// answered from the last (nothing before the first has finished); `..._age_seconds` says how old
// the figures are, so a diagnosis that keeps failing shows as an age that keeps growing.
import { Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock/clock.js';
import type { Diagnosis } from '../diagnostics/diagnose.js';
import { causes, subjectKinds } from '../diagnostics/measures.js';
import { readDiagnosis, type DiagnosisStore } from '../diagnostics/read-diagnosis.js';

export interface DiagnosisGaugeOptions {
  /** The period each diagnosis covers, ending at the time it runs. */
  readonly periodMs: number;
  /** How old the figures may get before a scrape starts a new diagnosis. */
  readonly refreshMs: number;
  readonly clock: Pick<Clock, 'now'>;
}

export const defaultDiagnosisGaugeOptions: Omit<DiagnosisGaugeOptions, 'clock'> = {
  periodMs: 24 * 3_600_000,
  refreshMs: 15 * 60_000,
};

export interface DiagnosisGauges {
  /** Runs a diagnosis now (or joins the one running): tests and a host's first scrape await it. */
  refresh(): Promise<void>;
}

export function diagnosisGauges(
  registry: Registry,
  store: DiagnosisStore,
  options: DiagnosisGaugeOptions,
): DiagnosisGauges {
  let latest: { at: number; diagnosis: Diagnosis } | undefined;
  let running: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    running ??= (async () => {
      const at = options.clock.now();
      try {
        latest = { at, diagnosis: await readDiagnosis(store, { fromMs: at - options.periodMs, toMs: at }) };
      } catch {
        // Kept as it was: the age gauge grows and says so.
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const refreshIfStale = (): void => {
    if (latest === undefined || options.clock.now() - latest.at >= options.refreshMs) void refresh();
  };
  const eachLabel = (
    set: (labels: { subject_kind: string; cause: string }, findings: Diagnosis['findings']) => void,
  ) => {
    for (const kind of subjectKinds) {
      for (const cause of causes) {
        const findings = (latest?.diagnosis.findings ?? []).filter(
          (f) => f.subject.kind === kind && f.cause === cause,
        );
        set({ subject_kind: kind, cause }, findings);
      }
    }
  };
  new Gauge({
    name: 'posguard_diagnosis_findings',
    help: 'Findings of the fleet diagnosis over the last period, by subject kind and cause (GET /v1/diagnostics lists them).',
    labelNames: ['subject_kind', 'cause'],
    registers: [registry],
    collect() {
      refreshIfStale();
      eachLabel((labels, findings) => this.set(labels, findings.length));
    },
  });
  new Gauge({
    name: 'posguard_diagnosis_worst_excess',
    help: 'The worst finding by subject kind and cause: its events beyond what the fleet rate gives on its volume (0 with no finding).',
    labelNames: ['subject_kind', 'cause'],
    registers: [registry],
    collect() {
      eachLabel((labels, findings) =>
        this.set(labels, Math.max(0, ...findings.map((f) => f.evidence.events - f.evidence.expected))),
      );
    },
  });
  new Gauge({
    name: 'posguard_diagnosis_age_seconds',
    help: 'How old the diagnosis behind the posguard_diagnosis_* gauges is (-1 before the first has finished).',
    registers: [registry],
    collect() {
      this.set(latest === undefined ? -1 : Math.round((options.clock.now() - latest.at) / 1000));
    },
  });
  return { refresh };
}
