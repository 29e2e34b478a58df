// "Is this duplicate real?": the merchant picks or types two payments that look the same on the
// POS, and the page says in plain words whether the card was charged once or twice and why, with
// the evidence and a downloadable evidence pack. The verdict is the host's
// (GET /v1/duplicate-check, src/insight/duplicate-verdict.ts); this page only shows it.
import { useState } from 'preact/hooks';
import { apiGet, type DuplicateAnswer, type PaymentPage } from '../api.js';
import { formatFen, formatTime } from '../format.js';
import { go, useLoad, type Route } from '../hooks.js';
import { locale, statusText, t, type MessageKey } from '../i18n.js';
import { Show } from '../show.js';
import { PaymentFacts } from './payment-detail.js';

export const chargedKeys: Record<DuplicateAnswer['charged'], MessageKey> = {
  once: 'chargedOnce',
  twice: 'chargedTwice',
  none: 'chargedNone',
  unknown: 'chargedUnknown',
};

export function loadDuplicateAnswer(first: string, second: string): Promise<DuplicateAnswer> {
  return apiGet<DuplicateAnswer>('/v1/duplicate-check', { first, second });
}

export function DuplicatePage({ route }: { route: Route }) {
  const first = route.query.get('first') ?? '';
  const second = route.query.get('second') ?? '';
  return (
    <section aria-labelledby="dup-title">
      <h1 id="dup-title">{t('dupTitle')}</h1>
      <p>{t('dupIntro')}</p>
      <Question key={`${first}|${second}`} first={first} second={second} />
      {first !== '' && second !== '' && <Answer first={first} second={second} />}
    </section>
  );
}

function Question(props: { first: string; second: string }) {
  const [first, setFirst] = useState(props.first);
  const [second, setSecond] = useState(props.second);
  const [recent] = useLoad(() => apiGet<PaymentPage>('/v1/payments', { kind: 'sale', limit: '30' }), []);
  const options = recent.state === 'ready' ? recent.value.data : [];
  const picker = (id: string, value: string, set: (v: string) => void, label: string) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        value={value}
        placeholder={t('txPlaceholder')}
        autoComplete="off"
        required
        onInput={(event) => set(event.currentTarget.value.trim())}
      />
      <label for={`${id}-pick`} class="sub">
        {t('pickRecent')}
      </label>
      <select id={`${id}-pick`} value="" onChange={(event) => set(event.currentTarget.value)}>
        <option value="">—</option>
        {options.map((p) => (
          <option key={p.id} value={p.id}>
            {formatTime(p.createdAt)} · {p.terminalId} · {formatFen(p.amount)} · {statusText(p.status)}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <form
      class="question"
      onSubmit={(event) => {
        event.preventDefault();
        go('/duplicate', { first, second });
      }}
    >
      {picker('dup-first', first, setFirst, t('firstTx'))}
      {picker('dup-second', second, setSecond, t('secondTx'))}
      <div class="buttons">
        <button type="submit">{t('ask')}</button>
      </div>
    </form>
  );
}

function Answer({ first, second }: { first: string; second: string }) {
  const [loaded, retry] = useLoad(() => loadDuplicateAnswer(first, second), [first, second]);
  return (
    <Show loaded={loaded} retry={retry}>
      {(answer) => <Verdict answer={answer} />}
    </Show>
  );
}

export function Verdict({ answer }: { answer: DuplicateAnswer }) {
  const words = (text: { zh: string; en: string }): string => (locale.get() === 'zh-CN' ? text.zh : text.en);
  const query = new URLSearchParams({ first: answer.first.payment.id, second: answer.second.payment.id });
  return (
    <section
      aria-labelledby="verdict-title"
      class={`verdict verdict-${answer.charged}`}
      data-charged={answer.charged}
    >
      <h2 id="verdict-title">{t(chargedKeys[answer.charged])}</h2>
      <p class="why" data-cause={answer.cause}>
        <strong>{t('why')}:</strong> {words(answer.explanation)}
      </p>
      <h3>{t('evidence')}</h3>
      <ul>
        {answer.evidence.map((line, i) => (
          <li key={i}>{words(line)}</li>
        ))}
      </ul>
      <div class="columns">
        <div class="panel">
          <h3>{t('firstTx')}</h3>
          <PaymentFacts payment={answer.first.payment} />
        </div>
        <div class="panel">
          <h3>{t('secondTx')}</h3>
          <PaymentFacts payment={answer.second.payment} />
        </div>
      </div>
      <div class="buttons">
        <button type="button" onClick={() => downloadJson(answer)}>
          {t('downloadJson')}
        </button>
        <a class="button secondary" href={`#/evidence?${query.toString()}`}>
          {t('printable')}
        </a>
      </div>
    </section>
  );
}

function downloadJson(answer: DuplicateAnswer): void {
  const blob = new Blob([`${JSON.stringify(answer, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `posguard-evidence-${answer.first.payment.id}-${answer.second.payment.id}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
