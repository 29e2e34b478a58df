// The printable evidence page: what the merchant hands its acquirer when a cardholder disputes a
// charge. The verdict and its reasons, both payments, every journal entry, the issuer's answers,
// the reversals, refunds and voids, and the duplicate records. Printing drops the screen's chrome.
import type { DuplicateAnswer, Payment, PaymentHistory } from '../api.js';
import { formatFen, formatTime } from '../format.js';
import { useLoad, type Route } from '../hooks.js';
import { kindText, locale, statusText, t } from '../i18n.js';
import { Show } from '../show.js';
import { chargedKeys, loadDuplicateAnswer } from './duplicate.js';
import { JournalTable } from './journal-table.js';
import { PaymentFacts } from './payment-detail.js';

export function EvidencePage({ route }: { route: Route }) {
  const first = route.query.get('first') ?? '';
  const second = route.query.get('second') ?? '';
  const [loaded, retry] = useLoad(() => loadDuplicateAnswer(first, second), [first, second]);
  return (
    <main id="main" class="evidence">
      <p class="no-print">
        <a href={`#/duplicate?${new URLSearchParams({ first, second }).toString()}`}>← {t('dupTitle')}</a>{' '}
        <button type="button" onClick={() => print()}>
          {t('print')}
        </button>
      </p>
      <h1>{t('evidenceTitle')}</h1>
      <Show loaded={loaded} retry={retry}>
        {(answer) => <EvidenceBody answer={answer} />}
      </Show>
    </main>
  );
}

function EvidenceBody({ answer }: { answer: DuplicateAnswer }) {
  const words = (text: { zh: string; en: string }): string => (locale.get() === 'zh-CN' ? text.zh : text.en);
  const histories = [answer.first, answer.second];
  const payments = uniqueById(histories.flatMap((h) => [h.payment, ...h.children]));
  return (
    <>
      <p>{t('evidenceIntro', { merchant: answer.merchantId, at: formatTime(answer.generatedAt) })}</p>
      <section class="verdict" data-charged={answer.charged}>
        <h2>{t(chargedKeys[answer.charged])}</h2>
        <p>{words(answer.explanation)}</p>
        <ul>
          {answer.evidence.map((line, i) => (
            <li key={i}>{words(line)}</li>
          ))}
        </ul>
      </section>
      <div class="columns">
        {histories.map((h, i) => (
          <section key={i} class="panel">
            <h2>{t(i === 0 ? 'firstTx' : 'secondTx')}</h2>
            <PaymentFacts payment={h.payment} />
          </section>
        ))}
      </div>
      <section>
        <h2>{t('issuerAnswers')}</h2>
        <IssuerAnswers payments={payments} />
      </section>
      <section>
        <h2>{t('refundsAndVoids')}</h2>
        <ul>
          {histories.flatMap((h) => h.children).length === 0 && <li>{t('none')}</li>}
          {uniqueById(histories.flatMap((h) => h.children)).map((c) => (
            <li key={c.id}>
              {c.id} {kindText(c.kind)} {formatFen(c.amount)} {statusText(c.status)} {formatTime(c.createdAt)}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2>{t('reversals')}</h2>
        <ul>
          {histories.flatMap((h) => h.reversals).length === 0 && <li>{t('none')}</li>}
          {histories
            .flatMap((h) => h.reversals)
            .map((r, i) => (
              <li key={i}>
                {r.paymentId} · {r.reason} · {t('reversalState', { state: r.state, attempts: r.attempts })} ·{' '}
                {formatTime(r.updatedAt)}
              </li>
            ))}
        </ul>
      </section>
      <section>
        <h2>{t('duplicateRecords')}</h2>
        <ul>
          {uniqueById(histories.flatMap((h) => h.duplicates)).length === 0 && <li>{t('none')}</li>}
          {uniqueById(histories.flatMap((h) => h.duplicates)).map((d) => (
            <li key={d.id}>
              {formatTime(d.detectedAt)} · {d.source} · {d.resolution} · {d.paymentId ?? '—'} →{' '}
              {d.duplicateOf ?? '—'}
              {d.operatorId === null ? '' : ` · ${t('operator')} ${d.operatorId}`}
            </li>
          ))}
        </ul>
      </section>
      <section>
        <h2>{t('journal')}</h2>
        <JournalTable entries={journalOf(histories)} />
      </section>
    </>
  );
}

function IssuerAnswers({ payments }: { payments: readonly Payment[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{t('details')}</th>
          <th scope="col">{t('kind')}</th>
          <th scope="col">{t('rrn')}</th>
          <th scope="col">{t('responseCode')}</th>
          <th scope="col">{t('authCode')}</th>
        </tr>
      </thead>
      <tbody>
        {payments.map((p) => (
          <tr key={p.id}>
            <td>{p.id}</td>
            <td>{kindText(p.kind)}</td>
            <td>{p.rrn ?? '—'}</td>
            <td>{p.responseCode ?? '—'}</td>
            <td>{p.authCode ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function uniqueById<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(item.id)) seen.set(item.id, item);
  return [...seen.values()];
}

function journalOf(histories: readonly PaymentHistory[]) {
  const seen = new Set<string>();
  return histories
    .flatMap((h) => h.journal)
    .filter((e) => {
      const key = `${e.paymentId}|${e.at}|${e.event}|${e.toStatus}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}
