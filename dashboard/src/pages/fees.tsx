// Fees and statements (issue 17's API): the merchant's fee plan and its history, and a daily or
// monthly statement with every fee line explained in the reader's language.
import { useState } from 'preact/hooks';
import { ApiError, apiGet, session, type Bilingual } from '../api.js';
import { formatFen, formatTime, todayInChina } from '../format.js';
import { useLoad } from '../hooks.js';
import { locale, t } from '../i18n.js';
import { Show } from '../show.js';

interface PlanVersion {
  readonly version: number;
  readonly effectiveFrom: string;
  readonly changedBy: string;
  readonly changedAt: string;
}

interface Statement {
  readonly kind: 'daily' | 'monthly';
  readonly totals: Record<string, number>;
  readonly settlementDate?: string;
  readonly lines: Array<{
    readonly lineId: string;
    readonly transactionId: string | null;
    readonly terminalId?: string | null;
    readonly day: string;
    readonly amountFen?: number | null;
    readonly feeFen: number;
    readonly explanation: Bilingual;
  }>;
  readonly notices: Bilingual[];
}

/** The statement's totals the page shows (the API answers every one). */
const shownTotals = [
  'salesCount',
  'salesFen',
  'voidsFen',
  'refundsFen',
  'grossFen',
  'feesChargedFen',
  'feesNetFen',
  'netFen',
] as const;

const words = (text: Bilingual): string => (locale.get() === 'zh-CN' ? text.zh : text.en);

/** A plan that does not exist yet is an answer, not a failure. */
async function orNone<T>(load: Promise<T>): Promise<T | null> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function FeesPage() {
  const merchantId = session.get()?.merchantId ?? '';
  const base = `/v1/merchants/${encodeURIComponent(merchantId)}`;
  const [history, retryHistory] = useLoad(
    () => orNone(apiGet<{ versions: PlanVersion[] }>(`${base}/fee-plan/history`)),
    [base],
  );
  const [period, setPeriod] = useState<{ day?: string; month?: string }>({ day: todayInChina() });
  const [draftDay, setDraftDay] = useState(todayInChina());
  const [draftMonth, setDraftMonth] = useState(todayInChina().slice(0, 7));
  const [statement, retryStatement] = useLoad(
    () => orNone(apiGet<Statement>(`${base}/statements`, period)),
    [base, period.day, period.month],
  );
  return (
    <section aria-labelledby="fees-title">
      <h1 id="fees-title">{t('feesTitle')}</h1>
      <section aria-labelledby="plan-title" class="panel">
        <h2 id="plan-title">{t('plan')}</h2>
        <Show loaded={history} retry={retryHistory}>
          {(h) =>
            h === null || h.versions.length === 0 ? (
              <p>{t('noPlan')}</p>
            ) : (
              <ol>
                {h.versions.map((v) => (
                  <li key={v.version}>
                    {t('planVersion', {
                      version: v.version,
                      from: v.effectiveFrom,
                      by: v.changedBy,
                      at: formatTime(v.changedAt),
                    })}
                  </li>
                ))}
              </ol>
            )
          }
        </Show>
      </section>
      <section aria-labelledby="statement-title">
        <h2 id="statement-title">{t('statement')}</h2>
        <div class="filters">
          <div class="field">
            <label for="statement-day">{t('day')}</label>
            <input
              id="statement-day"
              type="date"
              value={draftDay}
              onInput={(e) => setDraftDay(e.currentTarget.value)}
            />
            <button type="button" onClick={() => setPeriod({ day: draftDay })}>
              {t('dailyStatement')}
            </button>
          </div>
          <div class="field">
            <label for="statement-month">{t('month')}</label>
            <input
              id="statement-month"
              type="month"
              value={draftMonth}
              onInput={(e) => setDraftMonth(e.currentTarget.value)}
            />
            <button type="button" onClick={() => setPeriod({ month: draftMonth })}>
              {t('monthlyStatement')}
            </button>
          </div>
        </div>
        <Show loaded={statement} retry={retryStatement}>
          {(s) => (s === null ? <p>{t('noPlan')}</p> : <StatementView statement={s} />)}
        </Show>
      </section>
    </section>
  );
}

function StatementView({ statement: s }: { statement: Statement }) {
  return (
    <>
      <h3>{t(s.kind === 'daily' ? 'dailyStatement' : 'monthlyStatement')}</h3>
      {s.settlementDate !== undefined && <p>{t('settlementDate', { date: s.settlementDate })}</p>}
      <dl class="facts">
        {shownTotals.map((key) =>
          s.totals[key] === undefined ? null : (
            <div key={key}>
              <dt>{t(`total_${key}`)}</dt>
              <dd>{key.endsWith('Fen') ? formatFen(s.totals[key]) : s.totals[key]}</dd>
            </div>
          ),
        )}
      </dl>
      {s.notices.length > 0 && (
        <ul class="notices">
          {s.notices.map((n, i) => (
            <li key={i}>{words(n)}</li>
          ))}
        </ul>
      )}
      <h3>{t('lines')}</h3>
      {s.lines.length === 0 ? (
        <p>{t('noLines')}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('day')}</th>
                <th scope="col">{t('details')}</th>
                <th scope="col" class="num">
                  {t('amount')}
                </th>
                <th scope="col" class="num">
                  {t('fee')}
                </th>
                <th scope="col">{t('explanation')}</th>
              </tr>
            </thead>
            <tbody>
              {s.lines.slice(0, 200).map((line) => (
                <tr key={line.lineId}>
                  <td>{line.day}</td>
                  <td>
                    {line.transactionId === null ? (
                      '—'
                    ) : (
                      <a href={`#/payments/${encodeURIComponent(line.transactionId)}`}>
                        {line.transactionId}
                      </a>
                    )}
                  </td>
                  <td class="num">
                    {line.amountFen === null || line.amountFen === undefined
                      ? '—'
                      : formatFen(line.amountFen)}
                  </td>
                  <td class="num">{formatFen(line.feeFen)}</td>
                  <td>{words(line.explanation)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
