// The payments list: filters (terminal, status, kind, dates, amounts, card last four), newest
// first, a page at a time by the API's cursor. Filters stay in the page, not in the URL.
import { useEffect, useState } from 'preact/hooks';
import { apiGet, session, type Payment, type PaymentPage } from '../api.js';
import { chinaDayStart, formatFen, formatTime, parseYuan } from '../format.js';
import { useLoad, useSignal } from '../hooks.js';
import { chosenMerchant, FleetFilter } from '../merchant-picker.js';
import { kindText, statusText, t } from '../i18n.js';
import { Show } from '../show.js';

export const statuses = [
  'pending',
  'approved',
  'declined',
  'reversal_pending',
  'reversed',
  'reversal_failed',
  'voided',
  'refunded',
  'partially_refunded',
  'duplicate_suspected',
] as const;
const kinds = ['sale', 'void', 'refund'] as const;

interface Filters {
  terminalId: string;
  status: string;
  kind: string;
  from: string;
  to: string;
  amountMin: string;
  amountMax: string;
  cardLast4: string;
}

const noFilters: Filters = {
  terminalId: '',
  status: '',
  kind: '',
  from: '',
  to: '',
  amountMin: '',
  amountMax: '',
  cardLast4: '',
};

/** The API's query for the filters, or the problem with what was typed. */
function toQuery(filters: Filters): { query: Record<string, string | undefined> } | { problem: string } {
  if (filters.cardLast4 !== '' && !/^\d{4}$/.test(filters.cardLast4)) return { problem: t('invalidLast4') };
  const min = filters.amountMin === '' ? undefined : parseYuan(filters.amountMin);
  const max = filters.amountMax === '' ? undefined : parseYuan(filters.amountMax);
  if ((filters.amountMin !== '' && min === undefined) || (filters.amountMax !== '' && max === undefined))
    return { problem: t('invalidAmount') };
  const nextDay = (day: string): string =>
    new Date(Date.parse(chinaDayStart(day)) + 86_400_000).toISOString();
  return {
    query: {
      terminalId: filters.terminalId.trim() || undefined,
      status: filters.status || undefined,
      kind: filters.kind || undefined,
      from: filters.from === '' ? undefined : chinaDayStart(filters.from),
      to: filters.to === '' ? undefined : nextDay(filters.to),
      amountMin: min === undefined ? undefined : String(min),
      amountMax: max === undefined ? undefined : String(max),
      cardLast4: filters.cardLast4 || undefined,
      limit: '25',
    },
  };
}

export function PaymentsPage() {
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Record<string, string | undefined>>({ limit: '25' });
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  const operations = useSignal(session)?.role === 'operations';
  const merchantId = useSignal(chosenMerchant);
  const scope = operations && merchantId !== '' ? merchantId : undefined;
  const [loaded, retry] = useLoad(
    () => apiGet<PaymentPage>('/v1/payments', { ...applied, cursor, merchantId: scope }),
    [applied, cursor, scope],
  );
  // Another merchant chosen: the list starts again at its first page.
  useEffect(() => setCursor(undefined), [scope]);
  const field = (name: keyof Filters) => ({
    id: `filter-${name}`,
    name,
    value: draft[name],
    onInput: (event: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
      setDraft({ ...draft, [name]: event.currentTarget.value }),
  });
  const submit = (event: Event): void => {
    event.preventDefault();
    const result = toQuery(draft);
    if ('problem' in result) {
      setProblem(result.problem);
      return;
    }
    setProblem(null);
    setCursor(undefined);
    setApplied(result.query);
  };
  return (
    <section aria-labelledby="payments-title">
      <h1 id="payments-title">{t('paymentsTitle')}</h1>
      {operations && <FleetFilter />}
      <form class="filters" onSubmit={submit} aria-label={t('filters')}>
        <Labelled label={t('terminal')} id="filter-terminalId">
          <input {...field('terminalId')} maxLength={8} autoComplete="off" />
        </Labelled>
        <Labelled label={t('status')} id="filter-status">
          <select {...field('status')}>
            <option value="">{t('any')}</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {statusText(s)}
              </option>
            ))}
          </select>
        </Labelled>
        <Labelled label={t('kind')} id="filter-kind">
          <select {...field('kind')}>
            <option value="">{t('any')}</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {kindText(k)}
              </option>
            ))}
          </select>
        </Labelled>
        <Labelled label={t('dateFrom')} id="filter-from">
          <input {...field('from')} type="date" />
        </Labelled>
        <Labelled label={t('dateTo')} id="filter-to">
          <input {...field('to')} type="date" />
        </Labelled>
        <Labelled label={t('amountMin')} id="filter-amountMin">
          <input {...field('amountMin')} inputMode="decimal" autoComplete="off" />
        </Labelled>
        <Labelled label={t('amountMax')} id="filter-amountMax">
          <input {...field('amountMax')} inputMode="decimal" autoComplete="off" />
        </Labelled>
        <Labelled label={t('cardLast4')} id="filter-cardLast4">
          <input {...field('cardLast4')} inputMode="numeric" maxLength={4} autoComplete="off" />
        </Labelled>
        <div class="buttons">
          <button type="submit">{t('apply')}</button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft(noFilters);
              setProblem(null);
              setCursor(undefined);
              setApplied({ limit: '25' });
            }}
          >
            {t('clear')}
          </button>
        </div>
        {problem !== null && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
      </form>
      <Show loaded={loaded} retry={retry}>
        {(page) => (
          <>
            <PaymentTable payments={page.data} />
            <div class="buttons">
              {cursor !== undefined && (
                <button type="button" class="secondary" onClick={() => setCursor(undefined)}>
                  {t('firstPage')}
                </button>
              )}
              {page.nextCursor !== null && (
                <button type="button" onClick={() => setCursor(page.nextCursor ?? undefined)}>
                  {t('nextPage')}
                </button>
              )}
            </div>
          </>
        )}
      </Show>
    </section>
  );
}

function Labelled(props: { label: string; id: string; children: preact.ComponentChildren }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}

/** A table of payments, each linking to its detail. */
export function PaymentTable({ payments }: { payments: readonly Payment[] }) {
  if (payments.length === 0) return <p>{t('noPayments')}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">{t('time')}</th>
            <th scope="col">{t('terminal')}</th>
            <th scope="col">{t('kind')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col" class="num">
              {t('amount')}
            </th>
            <th scope="col">{t('card')}</th>
            <th scope="col">{t('rrn')}</th>
            <th scope="col">{t('details')}</th>
          </tr>
        </thead>
        <tbody>
          {payments.map((p) => (
            <tr key={p.id} data-payment-id={p.id}>
              <td>{formatTime(p.createdAt)}</td>
              <td>{p.terminalId}</td>
              <td>{kindText(p.kind)}</td>
              <td>
                <span class={`status status-${p.status}`}>{statusText(p.status)}</span>
              </td>
              <td class="num">{formatFen(p.amount)}</td>
              <td>{cardText(p)}</td>
              <td>{p.rrn ?? '—'}</td>
              <td>
                <a href={`#/payments/${encodeURIComponent(p.id)}`}>{p.id}</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The card as the page shows it: its last four digits only (never the masked number's first six). */
export function cardText(p: Payment): string {
  if (p.cardMasked !== null) return `•••• ${p.cardMasked.slice(-4)}`;
  if (p.paymentCodeMasked !== null && p.paymentCodeMasked !== undefined)
    return `${p.wallet ?? ''} •••• ${p.paymentCodeMasked.slice(-4)}`;
  return p.wallet ?? '—';
}
