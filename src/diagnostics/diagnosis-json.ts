// The diagnosis as JSON (issue 14): what `posguard diagnose --json` prints and `GET /v1/diagnostics`
// answers, one shape for both. Times are ISO 8601 in China Standard Time; rates are fractions (0.041
// for 4.1%); money is whole fen. docs/diagnostics.md describes every field.
import type { Diagnosis, Finding } from './diagnose.js';
import { chinaIsoTime } from './telemetry.js';

export function findingJson(f: Finding) {
  const { fromMs, toMs, ...evidence } = f.evidence;
  return {
    subject: f.subject,
    measure: f.measure,
    cause: f.cause,
    priority: f.priority,
    remedy: f.remedy,
    evidence: { ...evidence, from: chinaIsoTime(fromMs), to: chinaIsoTime(toMs) },
    cost: f.cost,
    service: f.service,
  };
}

export function diagnosisJson(d: Diagnosis) {
  return {
    from: chinaIsoTime(d.fromMs),
    to: chinaIsoTime(d.toMs),
    merchantId: d.merchantId,
    settings: d.settings,
    subjects: d.subjects,
    tests: d.tests,
    rowsRead: d.rowsRead,
    fleetNewestSoftware: d.fleetNewestSoftware,
    fleetRates: d.fleetRates,
    providers: d.providers,
    findings: d.findings.map(findingJson),
  };
}

export type DiagnosisJson = ReturnType<typeof diagnosisJson>;
