// Diagnostics: where duplicates come from (GET /v1/diagnostics). A merchant sees a diagnosis of its
// own traffic; operations (signed in with an operations key) sees the whole fleet. A period picker,
// the findings sortable by priority, cost or subject, each with its remedy in the page's language,
// its evidence, and an ECharts bar of the subject's rate against the fleet's.
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiGet, session, type DiagnosisAnswer, type Finding } from '../api.js';
import { formatCount, formatFen, todayInChina } from '../format.js';
import { useLoad } from '../hooks.js';
import { locale, t, type MessageKey } from '../i18n.js';
import { Show } from '../show.js';

type SortBy = 'priority' | 'cost' | 'subject';
const priorityRank = { high: 0, medium: 1, low: 2 } as const;

const causeKeys: Record<string, MessageKey> = {
  software: 'diagCause_software',
  hardware: 'diagCause_hardware',
  operator: 'diagCause_operator',
  network: 'diagCause_network',
  third_party: 'diagCause_third_party',
};
const priorityKeys: Record<Finding['priority'], MessageKey> = {
  high: 'diagPriority_high',
  medium: 'diagPriority_medium',
  low: 'diagPriority_low',
};

/** The day `days` before `day` (both YYYY-MM-DD). */
function daysBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

export function sortFindings(findings: readonly Finding[], by: SortBy): Finding[] {
  const cost = (f: Finding) => f.cost.duplicatesAtRisk * 1e9 + (f.cost.feesAtRiskFen ?? 0);
  return [...findings].sort((a, b) =>
    by === 'priority'
      ? priorityRank[a.priority] - priorityRank[b.priority] || cost(b) - cost(a)
      : by === 'cost'
        ? cost(b) - cost(a)
        : a.subject.id.localeCompare(b.subject.id),
  );
}

export function DiagnosticsPage() {
  const today = todayInChina();
  const [period, setPeriod] = useState({ from: daysBefore(today, 6), to: today });
  const [draft, setDraft] = useState(period);
  const [sortBy, setSortBy] = useState<SortBy>('priority');
  const [loaded, retry] = useLoad(() => apiGet<DiagnosisAnswer>('/v1/diagnostics', period), [period]);
  const submit = (event: Event): void => {
    event.preventDefault();
    setPeriod(draft);
  };
  return (
    <section aria-labelledby="diagnostics-title">
      <h1 id="diagnostics-title">{t('diagnosticsTitle')}</h1>
      <form class="filters" onSubmit={submit}>
        <div class="field">
          <label for="diag-from">{t('diagFrom')}</label>
          <input
            id="diag-from"
            type="date"
            value={draft.from}
            onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="diag-to">{t('diagTo')}</label>
          <input
            id="diag-to"
            type="date"
            value={draft.to}
            onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })}
          />
        </div>
        <button type="submit">{t('diagShow')}</button>
        <div class="field">
          <label for="diag-sort">{t('diagSortBy')}</label>
          <select id="diag-sort" value={sortBy} onChange={(e) => setSortBy(e.currentTarget.value as SortBy)}>
            <option value="priority">{t('diagSort_priority')}</option>
            <option value="cost">{t('diagSort_cost')}</option>
            <option value="subject">{t('diagSort_subject')}</option>
          </select>
        </div>
      </form>
      <Show loaded={loaded} retry={retry}>
        {(answer) => (
          <>
            <p class="muted">
              {t(answer.merchantId === null ? 'diagScopeFleet' : 'diagScopeMerchant', {
                id: answer.merchantId ?? '',
                tests: formatCount(answer.tests),
              })}
            </p>
            {answer.findings.length === 0 ? (
              <p class="empty" data-testid="diag-empty">
                {t('diagNone')}
              </p>
            ) : (
              <ol class="findings">
                {sortFindings(answer.findings, sortBy).map((f) => (
                  <FindingCard key={`${f.subject.id}/${f.measure}`} finding={f} />
                ))}
              </ol>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

const percent = (rate: number): string => `${(rate * 100).toFixed(2)}%`;

// Long because: one card lays out the finding's facts, its remedy and its evidence in one place.
function FindingCard({ finding: f }: { finding: Finding }) {
  const titleId = `finding-${f.subject.id.replace(/[^A-Za-z0-9]/g, '-')}-${f.measure}`;
  const remedy = locale.get() === 'zh-CN' ? f.remedy.zh : f.remedy.en;
  return (
    <li class="panel finding" data-subject={f.subject.id} data-priority={f.priority}>
      <h2 id={titleId}>
        {t(`diagKind_${f.subject.kind}` as MessageKey)} {f.subject.id}
      </h2>
      <p>
        <span class={`status priority-${f.priority}`}>{t(priorityKeys[f.priority])}</span> ·{' '}
        {t(causeKeys[f.cause] ?? 'diagCause_software')} · <code>{f.measure}</code>
      </p>
      <p class="remedy">{remedy}</p>
      <dl class="facts">
        <dt>{t('diagRate')}</dt>
        <dd>
          {percent(f.evidence.rate)} ({formatCount(f.evidence.events)} / {formatCount(f.evidence.exposure)})
        </dd>
        <dt>{t('diagFleetRate')}</dt>
        <dd>{percent(f.evidence.fleetRate)}</dd>
        <dt>{t('diagBaseline')}</dt>
        <dd>{percent(f.evidence.baselineRate)}</dd>
        <dt>{t('diagQValue')}</dt>
        <dd>{f.evidence.qValue.toPrecision(2)}</dd>
        <dt>{t('diagCost')}</dt>
        <dd>
          {t('diagCostText', {
            atRisk: formatCount(f.cost.duplicatesAtRisk),
            prevented: formatCount(f.cost.duplicatesPrevented),
            fees: f.cost.feesAtRiskFen === null ? t('none') : formatFen(f.cost.feesAtRiskFen),
          })}
        </dd>
        <dt>{t('diagEvidence')}</dt>
        <dd>
          {f.evidence.transactionIds.length === 0
            ? t('none')
            : f.evidence.transactionIds.slice(0, 5).map((id) =>
                // Operations reads no merchant's payments: the ids are shown, not linked.
                session.get()?.role === 'merchant' ? (
                  <a key={id} class="chip" href={`#/payments/${encodeURIComponent(id)}`}>
                    {id}
                  </a>
                ) : (
                  <code key={id} class="chip">
                    {id}
                  </code>
                ),
              )}
        </dd>
      </dl>
      <RateChart finding={f} />
    </li>
  );
}

function RateChart({ finding: f }: { finding: Finding }) {
  const element = useRef<HTMLDivElement>(null);
  const summary = t('diagChartSummary', {
    rate: percent(f.evidence.rate),
    fleet: percent(f.evidence.fleetRate),
  });
  useEffect(() => {
    let dispose: (() => void) | undefined;
    let current = true;
    void import('../chart.js').then(({ drawRateChart }) => {
      if (!current || element.current === null) return;
      dispose = drawRateChart(element.current, locale.get(), {
        labels: [f.subject.id, t('diagFleet')],
        percents: [f.evidence.rate * 100, f.evidence.fleetRate * 100],
      });
    });
    return () => {
      current = false;
      dispose?.();
    };
  }, [f]);
  return (
    <figure>
      <div ref={element} class="chart small" role="img" aria-label={summary} />
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
