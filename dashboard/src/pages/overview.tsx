// Today's overview: sales, amount, approvals, declines, the duplicates the host prevented by cause,
// open reversals, the day by hour, and what needs attention: GET /v1/overview (failed and pending
// reversals, held and reconciled duplicates), and the findings of GET /v1/diagnostics over the last
// seven days (the merchant's own traffic), which link to the Diagnostics page.
import { useEffect, useRef } from 'preact/hooks';
import { apiGet, session, type DiagnosisAnswer, type Overview } from '../api.js';
import { formatCount, formatFen, todayInChina } from '../format.js';
import { useLoad, useSignal } from '../hooks.js';
import { chosenMerchant, FleetFilter } from '../merchant-picker.js';
import { locale, t, type MessageKey } from '../i18n.js';
import { Show } from '../show.js';

const causeKeys: Record<string, MessageKey> = {
  awaiting_confirmation: 'causeHeld',
  blocked: 'causeBlocked',
  confirmed: 'causeConfirmed',
  flagged: 'causeFlagged',
  found_after_the_fact: 'causeReconciliation',
};

const alertKeys: Record<string, MessageKey> = {
  reversal_failed: 'alertReversalFailed',
  awaiting_confirmation: 'alertAwaiting',
  reconciliation_duplicate: 'alertReconciliation',
  reversal_pending: 'alertPending',
};

export function OverviewPage() {
  const operations = useSignal(session)?.role === 'operations';
  const merchantId = useSignal(chosenMerchant);
  const scope = operations && merchantId !== '' ? merchantId : undefined;
  const [loaded, retry] = useLoad(async () => {
    const [overview, diagnosis] = await Promise.all([
      apiGet<Overview>('/v1/overview', { day: todayInChina(), merchantId: scope }),
      // The alerts need only the count: a diagnosis that fails leaves the overview standing.
      // Operations see the fleet's diagnosis: it compares merchants, so it is never one merchant's.
      apiGet<DiagnosisAnswer>('/v1/diagnostics').catch(() => null),
    ]);
    return { overview, diagnosis };
  }, [scope]);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">{t('overviewTitle')}</h1>
      {operations && <FleetFilter />}
      <Show loaded={loaded} retry={retry}>
        {({ overview, diagnosis }) => <OverviewBody overview={overview} diagnosis={diagnosis} />}
      </Show>
    </section>
  );
}

function OverviewBody({ overview, diagnosis }: { overview: Overview; diagnosis: DiagnosisAnswer | null }) {
  const { sales, duplicatesPrevented, openReversals } = overview;
  const findings = diagnosis?.findings ?? [];
  return (
    <>
      <p class="muted">{t('overviewDay', { day: overview.day })}</p>
      <dl class="tiles">
        <Tile label={t('salesCount')} value={formatCount(sales.count)} />
        <Tile label={t('salesAmount')} value={formatFen(sales.amountApproved)} />
        <Tile label={t('approvals')} value={formatCount(sales.approved)} />
        <Tile label={t('declines')} value={formatCount(sales.declined)} />
        <Tile label={t('duplicatesPrevented')} value={formatCount(duplicatesPrevented.total)} />
        <Tile
          label={t('openReversals')}
          value={formatCount(openReversals.pending + openReversals.failed)}
          note={`${t('reversalsPending', { count: formatCount(openReversals.pending) })} · ${t('reversalsFailed', { count: formatCount(openReversals.failed) })}`}
        />
      </dl>
      <div class="columns">
        <section aria-labelledby="chart-title" class="panel wide">
          <h2 id="chart-title">{t('chartTitle')}</h2>
          <HourChart overview={overview} />
        </section>
        <section aria-labelledby="causes-title" class="panel">
          <h2 id="causes-title">
            {t('duplicatesPrevented')} · {t('byCause')}
          </h2>
          <ul class="plain" data-testid="duplicate-causes">
            {Object.entries(causeKeys).map(([cause, key]) => (
              <li key={cause}>
                <span>{t(key)}</span> <strong>{formatCount(duplicatesPrevented.byCause[cause] ?? 0)}</strong>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="alerts-title" class="panel">
          <h2 id="alerts-title">{t('alerts')}</h2>
          {overview.alerts.length === 0 && findings.length === 0 ? (
            <p>{t('noAlerts')}</p>
          ) : (
            <ul class="plain alerts">
              {overview.alerts.map((alert) => (
                <li key={alert.kind}>
                  {t(alertKeys[alert.kind] ?? 'alerts', { count: formatCount(alert.count) })}
                  {alert.paymentIds.slice(0, 3).map((id) => (
                    <a key={id} class="chip" href={`#/payments/${encodeURIComponent(id)}`}>
                      {id}
                    </a>
                  ))}
                </li>
              ))}
              {findings.length > 0 && (
                <li key="diagnosis" data-alert="diagnosis">
                  <a href="#/diagnostics">
                    {t('alertDiagnosis', {
                      count: formatCount(findings.length),
                      high: formatCount(findings.filter((f) => f.priority === 'high').length),
                    })}
                  </a>
                </li>
              )}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}

function Tile(props: { label: string; value: string; note?: string }) {
  return (
    <div class="tile">
      <dt>{props.label}</dt>
      <dd>
        <span class="figure">{props.value}</span>
        {props.note !== undefined && <span class="note">{props.note}</span>}
      </dd>
    </div>
  );
}

function HourChart({ overview }: { overview: Overview }) {
  const element = useRef<HTMLDivElement>(null);
  const withSales = overview.byHour.filter((h) => h.count > 0);
  const peak = withSales.reduce<(typeof withSales)[number] | undefined>(
    (best, h) => (best === undefined || h.count > best.count ? h : best),
    undefined,
  );
  const summary =
    peak === undefined
      ? t('chartEmpty')
      : t('chartSummary', { hours: withSales.length, peak: peak.hour, count: formatCount(peak.count) });
  useEffect(() => {
    let dispose: (() => void) | undefined;
    let current = true;
    // ECharts is loaded with the chart, not with the sign-in page (docs/decisions.md, "The dashboard").
    void import('../chart.js').then(({ drawHourChart }) => {
      if (!current || element.current === null) return;
      dispose = drawHourChart(element.current, locale.get(), {
        hours: overview.byHour.map((h) => String(h.hour).padStart(2, '0')),
        counts: overview.byHour.map((h) => h.count),
        amounts: overview.byHour.map((h) => h.amount / 100),
        countLabel: t('chartCount'),
        amountLabel: t('chartAmount'),
      });
    });
    return () => {
      current = false;
      dispose?.();
    };
  }, [overview]);
  return (
    <figure>
      <div ref={element} class="chart" role="img" aria-label={`${t('chartTitle')}: ${summary}`} />
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
