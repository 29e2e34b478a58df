// One payment: its fields, its voids and refunds, its reversal, and its whole journal (every state
// change, when, who, through which channel), with the actions the API has (void, refund, reverse),
// each behind a confirmation dialog. Reads GET /v1/payments/{id}/history.
import { useRef, useState } from 'preact/hooks';
import { apiGet, apiPost, session, type Payment, type PaymentHistory } from '../api.js';
import { formatFen, formatTime, parseYuan } from '../format.js';
import { go, useLoad, useSignal } from '../hooks.js';
import { kindText, statusText, t } from '../i18n.js';
import { Show } from '../show.js';
import { cardText } from './payments.js';
import { JournalTable } from './journal-table.js';

export function PaymentDetailPage({ id }: { id: string }) {
  const [loaded, retry] = useLoad(
    () => apiGet<PaymentHistory>(`/v1/payments/${encodeURIComponent(id)}/history`),
    [id],
  );
  return (
    <section aria-labelledby="payment-title">
      <p>
        <a href="#/payments">← {t('backToPayments')}</a>
      </p>
      <h1 id="payment-title">{t('paymentTitle', { id })}</h1>
      <Show loaded={loaded} retry={retry}>
        {(history) => <PaymentBody history={history} reload={retry} />}
      </Show>
    </section>
  );
}

function PaymentBody({ history, reload }: { history: PaymentHistory; reload: () => void }) {
  const p = history.payment;
  // Operations read any merchant's payment but act for none: no actions, no duplicate question.
  const operations = useSignal(session)?.role === 'operations';
  return (
    <>
      {operations && (
        <p class="muted" data-merchant-id={history.merchantId}>
          {t('merchantColumn')}: {history.merchantId}
        </p>
      )}
      <PaymentFacts payment={p} />
      {!operations && p.duplicateOf !== null && (
        <p>
          <a href={`#/duplicate?${new URLSearchParams({ first: p.duplicateOf, second: p.id }).toString()}`}>
            {t('askDuplicate')}
          </a>
        </p>
      )}
      {!operations && p.kind === 'sale' && <Actions payment={p} done={reload} />}
      {history.children.length > 0 && (
        <section aria-labelledby="children-title">
          <h2 id="children-title">{t('children')}</h2>
          <ul class="plain">
            {history.children.map((c) => (
              <li key={c.id}>
                <a href={`#/payments/${encodeURIComponent(c.id)}`}>{c.id}</a> {kindText(c.kind)}{' '}
                {formatFen(c.amount)} {statusText(c.status)} {formatTime(c.createdAt)}
              </li>
            ))}
          </ul>
        </section>
      )}
      {history.reversals.length > 0 && (
        <section aria-labelledby="reversal-title">
          <h2 id="reversal-title">{t('reversal')}</h2>
          {history.reversals.map((r) => (
            <p key={r.paymentId}>{t('reversalState', { state: r.state, attempts: r.attempts })}</p>
          ))}
        </section>
      )}
      <section aria-labelledby="journal-title">
        <h2 id="journal-title">{t('journal')}</h2>
        <p class="muted">{t('journalIntro')}</p>
        <JournalTable entries={history.journal} />
      </section>
    </>
  );
}

export function PaymentFacts({ payment: p }: { payment: Payment }) {
  const rows: Array<[string, string]> = [
    [t('kind'), kindText(p.kind)],
    [t('status'), statusText(p.status)],
    [t('amount'), formatFen(p.amount)],
    [t('terminal'), p.terminalId],
    [t('card'), cardText(p)],
    [t('time'), formatTime(p.createdAt)],
    [t('rrn'), p.rrn ?? '—'],
    [t('authCode'), p.authCode ?? '—'],
    [t('responseCode'), p.responseCode ?? '—'],
    [t('operator'), p.operatorId ?? '—'],
    [t('reference'), p.reference ?? '—'],
  ];
  if (p.duplicateOf !== null) rows.push([t('duplicateOf'), p.duplicateOf]);
  return (
    <dl class="facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

type Action = { kind: 'void' } | { kind: 'refund'; amount: number } | { kind: 'reverse' };

function Actions({ payment: p, done }: { payment: Payment; done: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [pending, setPending] = useState<Action | null>(null);
  const [refund, setRefund] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const ask = (action: Action): void => {
    setPending(action);
    dialog.current?.showModal();
  };
  const run = async (): Promise<void> => {
    dialog.current?.close();
    if (pending === null) return;
    const base = `/v1/payments/${encodeURIComponent(p.id)}`;
    try {
      const answer =
        pending.kind === 'void'
          ? await apiPost<{ kind: string; status: string }>(`${base}/void`, {})
          : pending.kind === 'refund'
            ? await apiPost<{ kind: string; status: string }>(`${base}/refunds`, { amount: pending.amount })
            : await apiPost<{ reversal: { state: string } }>(`${base}/reversal`, { reason: 'other' });
      setMessage(
        t('actionDone', { status: 'status' in answer ? statusText(answer.status) : answer.reversal.state }),
      );
      done();
    } catch (error) {
      setMessage(`${t('errorPrefix')}${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const refundFen = parseYuan(refund);
  const question =
    pending === null
      ? ''
      : pending.kind === 'void'
        ? t('confirmVoid', { id: p.id, amount: formatFen(p.amount) })
        : pending.kind === 'refund'
          ? t('confirmRefund', { amount: formatFen(pending.amount) })
          : t('confirmReverse', { id: p.id });
  return (
    <section aria-labelledby="actions-title" class="panel">
      <h2 id="actions-title">{t('actions')}</h2>
      <div class="buttons">
        <button type="button" disabled={p.status !== 'approved'} onClick={() => ask({ kind: 'void' })}>
          {t('actionVoid')}
        </button>
        <label for="refund-amount">{t('refundAmount')}</label>
        <input
          id="refund-amount"
          inputMode="decimal"
          autoComplete="off"
          value={refund}
          onInput={(event) => setRefund(event.currentTarget.value)}
        />
        <button
          type="button"
          disabled={refundFen === undefined || !['approved', 'partially_refunded'].includes(p.status)}
          onClick={() => refundFen !== undefined && ask({ kind: 'refund', amount: refundFen })}
        >
          {t('actionRefund')}
        </button>
        <button
          type="button"
          disabled={!['pending', 'approved', 'reversal_failed'].includes(p.status)}
          onClick={() => ask({ kind: 'reverse' })}
        >
          {t('actionReverse')}
        </button>
      </div>
      {message !== null && (
        <p role="status" class="notice">
          {message}
        </p>
      )}
      <dialog ref={dialog} aria-labelledby="confirm-title" aria-describedby="confirm-question">
        <h2 id="confirm-title">{t('confirmTitle')}</h2>
        <p id="confirm-question">{question}</p>
        <div class="buttons">
          <button type="button" onClick={() => void run()}>
            {t('confirm')}
          </button>
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>
            {t('cancel')}
          </button>
        </div>
      </dialog>
    </section>
  );
}

/** Opens a payment's page. */
export function openPayment(id: string): void {
  go(`/payments/${encodeURIComponent(id)}`);
}
