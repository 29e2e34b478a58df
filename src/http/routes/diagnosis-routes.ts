// `GET /v1/diagnostics` (issue 14): where duplicates come from, for the caller's scope. An
// operations key reads the whole fleet; a merchant's key reads a diagnosis of its own traffic only
// (its terminals, operators, networks and providers, compared within it), so no other merchant's
// id, count or transaction is ever in its answer. Diagnoses are shared while fresh: the same scope
// and period asked again within a minute is answered from the first run (docs/diagnostics.md).
import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock/clock.js';
import { defaultDiagnosisSettings, type Diagnosis } from '../../diagnostics/diagnose.js';
import { diagnosisJson, findingJson } from '../../diagnostics/diagnosis-json.js';
import type { DiagnosisLanguage } from '../../diagnostics/diagnosis-text.js';
import { readDiagnosis, type DiagnosisStore } from '../../diagnostics/read-diagnosis.js';
import { parseIsoTime } from '../../diagnostics/telemetry.js';
import { describeValue, PosError, type FieldProblem } from '../../pos-error.js';
import { diagnosisErrors, diagnosisQuery, diagnosisView } from '../diagnosis-schemas.js';
import { callerOf } from '../request-context.js';

interface DiagnosisQuery {
  from?: string;
  to?: string;
  lang?: DiagnosisLanguage;
  significance?: string;
}

const dayMs = 86_400_000;
const chinaOffsetMs = 8 * 3_600_000;
/** Fresh diagnoses kept for a repeat of the same question, and for how long. */
const cacheEntries = 32;
const cacheTtlMs = 60_000;

/** A day (China Standard Time: its start, or the next day's for `to`) or an ISO time. */
function bound(field: 'from' | 'to', text: string, problems: FieldProblem[]): number | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day !== null) {
    const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (new Date(start).toISOString().startsWith(text))
      return start - chinaOffsetMs + (field === 'to' ? dayMs : 0);
  } else {
    const at = parseIsoTime(text);
    if (at !== undefined) return at;
  }
  problems.push({
    field,
    expected: diagnosisQuery.properties.from['x-expected'],
    actual: describeValue(text),
  });
  return undefined;
}

function readQuery(query: DiagnosisQuery, now: number) {
  const problems: FieldProblem[] = [];
  const toMs = query.to === undefined ? now : bound('to', query.to, problems);
  const fromMs = query.from === undefined ? (toMs ?? now) - 7 * dayMs : bound('from', query.from, problems);
  const significance =
    query.significance === undefined ? defaultDiagnosisSettings.significance : Number(query.significance);
  if (!(significance >= 1e-6 && significance <= 0.2)) {
    problems.push({
      field: 'significance',
      expected: 'a number from 0.000001 to 0.2',
      actual: describeValue(query.significance),
    });
  }
  if (problems.length > 0 || fromMs === undefined || toMs === undefined) {
    throw PosError.invalidInput('POS_ERR_HTTP_INVALID_REQUEST', 'request querystring', problems);
  }
  return { fromMs, toMs, significance };
}

/** Runs diagnoses, sharing a fresh one with a repeat of the same question. */
class DiagnosisRuns {
  readonly #runs = new Map<string, { at: number; run: Promise<Diagnosis> }>();

  constructor(
    private readonly store: DiagnosisStore,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  get(request: {
    fromMs: number;
    toMs: number;
    significance: number;
    merchantId: string | null;
  }): Promise<Diagnosis> {
    const now = this.clock.now();
    const key = JSON.stringify(request);
    const held = this.#runs.get(key);
    if (held !== undefined && now - held.at < cacheTtlMs) return held.run;
    for (const [k, entry] of this.#runs) if (now - entry.at >= cacheTtlMs) this.#runs.delete(k);
    if (this.#runs.size >= cacheEntries) this.#runs.delete(this.#runs.keys().next().value ?? '');
    const run = readDiagnosis(this.store, {
      fromMs: request.fromMs,
      toMs: request.toMs,
      settings: { ...defaultDiagnosisSettings, significance: request.significance },
      ...(request.merchantId === null ? {} : { merchantId: request.merchantId }),
    });
    this.#runs.set(key, { at: now, run });
    // A failed run is not kept: the next ask runs again.
    run.catch(() => this.#runs.delete(key));
    return run;
  }
}

export function registerDiagnosisRoutes(
  app: FastifyInstance,
  deps: { store: DiagnosisStore; clock: Pick<Clock, 'now'> },
): void {
  const runs = new DiagnosisRuns(deps.store, deps.clock);
  app.get<{ Querystring: DiagnosisQuery }>(
    '/v1/diagnostics',
    {
      schema: {
        summary: 'Where duplicates come from: findings per terminal, operator, network and provider',
        description:
          "Compares every terminal, operator, network and upstream provider with the rest of the fleet over the period (default: the last 7 days) and lists the findings: cause, remedy (zh-CN and en), evidence, duplicates and fees at risk, priority. An operations key reads the whole fleet; a merchant's API key reads a diagnosis of its own traffic only. docs/diagnostics.md.",
        tags: ['diagnostics'],
        security: [{ apiKey: [] }],
        querystring: diagnosisQuery,
        response: { 200: diagnosisView, ...diagnosisErrors },
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const { fromMs, toMs, significance } = readQuery(request.query, deps.clock.now());
      const merchantId = caller.role === 'merchant' ? caller.merchant.id : null;
      const diagnosis = await runs.get({ fromMs, toMs, significance, merchantId });
      const lang = request.query.lang ?? 'en';
      return {
        ...diagnosisJson(diagnosis),
        findings: diagnosis.findings.map((f) => ({
          ...findingJson(f),
          summary: lang === 'zh-CN' ? f.remedy.zh : f.remedy.en,
        })),
      };
    },
  );
}
