// The form that starts a reconciliation run: the settlement file and its format (v1, a wallet's
// bill, or an acquirer's layout with its mapping profile), the host journal as a file or as a day
// of this host's own record (operations may pick one merchant or all), the terminal journal, and
// the duplicate window. What is missing is said before anything is sent; the host's refusal (a part
// it will not take) is shown as it comes.
import { useState } from 'preact/hooks';
import { apiPost, session } from '../api.js';
import { todayInChina } from '../format.js';
import { useSignal } from '../hooks.js';
import { MerchantPicker } from '../merchant-picker.js';
import { problemText } from '../show.js';
import type { Run } from './reconciliation.js';
import { reconWords, type ReconKey } from './reconciliation-words.js';

const { t } = reconWords;
const formats = ['v1', 'alipay', 'wechat', 'profile'] as const;
type Format = (typeof formats)[number];

function fileOf(form: HTMLFormElement, name: string): File | undefined {
  const input = form.elements.namedItem(name);
  return input instanceof HTMLInputElement ? (input.files?.[0] ?? undefined) : undefined;
}

/** The request's body, or what is missing in the reader's language. */
function bodyOf(
  form: HTMLFormElement,
  choices: {
    format: Format;
    fromStore: boolean;
    day: string;
    merchantId: string;
    walletMerchant: string;
    walletApp: string;
    windowS: string;
  },
): FormData | string {
  const settlement = fileOf(form, 'settlement');
  const host = fileOf(form, 'hostJournal');
  const terminal = fileOf(form, 'terminalJournal');
  const profile = fileOf(form, 'profileFile');
  if (settlement === undefined) return t('missingSettlement');
  if (!choices.fromStore && host === undefined) return t('missingHost');
  if (choices.format === 'profile' && profile === undefined) return t('missingProfile');
  const wallet = choices.format === 'alipay' || choices.format === 'wechat';
  if (wallet && choices.walletMerchant.trim() === '') return t('missingWalletMerchant');
  const body = new FormData();
  body.append('settlement', settlement);
  if (choices.format !== 'v1') body.append('format', choices.format);
  if (profile !== undefined && choices.format === 'profile') body.append('profileFile', profile);
  if (wallet) body.append('walletMerchant', choices.walletMerchant.trim());
  if (choices.format === 'wechat' && choices.walletApp.trim() !== '')
    body.append('walletApp', choices.walletApp.trim());
  if (choices.fromStore) {
    body.append('day', choices.day);
    if (choices.merchantId !== '') body.append('merchantId', choices.merchantId);
  } else if (host !== undefined) body.append('hostJournal', host);
  if (terminal !== undefined) body.append('terminalJournal', terminal);
  if (choices.windowS.trim() !== '') body.append('duplicateWindowS', choices.windowS.trim());
  return body;
}

// Long because: a form of a dozen fields, each with its label; split, each piece would take the
// form's whole state.
export function NewRunForm({ onStarted }: { onStarted: (run: Run) => void }) {
  const who = useSignal(session);
  const [format, setFormat] = useState<Format>('v1');
  const [fromStore, setFromStore] = useState(false);
  const [day, setDay] = useState(todayInChina());
  const [merchantId, setMerchantId] = useState('');
  const [walletMerchant, setWalletMerchant] = useState('');
  const [walletApp, setWalletApp] = useState('');
  const [windowS, setWindowS] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: Event): void => {
    event.preventDefault();
    const body = bodyOf(event.currentTarget as HTMLFormElement, {
      format,
      fromStore,
      day,
      merchantId,
      walletMerchant,
      walletApp,
      windowS,
    });
    if (typeof body === 'string') {
      setProblem(body);
      return;
    }
    setProblem(null);
    setBusy(true);
    apiPost<Run>('/v1/reconciliation-runs', body).then(
      (run) => {
        setBusy(false);
        onStarted(run);
      },
      (error: unknown) => {
        setBusy(false);
        setProblem(problemText(error instanceof Error ? error : new Error(String(error))));
      },
    );
  };
  const text = (value: string, set: (v: string) => void) => ({
    value,
    onInput: (e: { currentTarget: HTMLInputElement }) => set(e.currentTarget.value),
  });
  return (
    <form class="recon-form" onSubmit={submit} aria-labelledby="new-run-title">
      <h2 id="new-run-title">{t('newRun')}</h2>
      <div class="field">
        <label for="recon-settlement">{t('settlementFile')}</label>
        <input id="recon-settlement" name="settlement" type="file" accept=".csv,text/csv" />
      </div>
      <div class="field">
        <label for="recon-format">{t('settlementFormat')}</label>
        <select id="recon-format" value={format} onChange={(e) => setFormat(e.currentTarget.value as Format)}>
          {formats.map((f) => (
            <option key={f} value={f}>
              {t(`format_${f}` as ReconKey)}
            </option>
          ))}
        </select>
      </div>
      {format === 'profile' && (
        <div class="field">
          <label for="recon-profile">{t('profileFile')}</label>
          <input id="recon-profile" name="profileFile" type="file" accept=".json,application/json" />
        </div>
      )}
      {(format === 'alipay' || format === 'wechat') && (
        <div class="field">
          <label for="recon-wallet-merchant">{t('walletMerchant')}</label>
          <input
            id="recon-wallet-merchant"
            autoComplete="off"
            maxLength={64}
            {...text(walletMerchant, setWalletMerchant)}
          />
        </div>
      )}
      {format === 'wechat' && (
        <div class="field">
          <label for="recon-wallet-app">{t('walletApp')}</label>
          <input id="recon-wallet-app" autoComplete="off" maxLength={64} {...text(walletApp, setWalletApp)} />
        </div>
      )}
      <fieldset class="field">
        <legend>{t('hostSource')}</legend>
        <label>
          <input type="radio" name="hostSource" checked={!fromStore} onChange={() => setFromStore(false)} />{' '}
          {t('hostFromFile')}
        </label>
        <label>
          <input type="radio" name="hostSource" checked={fromStore} onChange={() => setFromStore(true)} />{' '}
          {t('hostFromStore')}
        </label>
      </fieldset>
      {fromStore ? (
        <>
          <div class="field">
            <label for="recon-day">{t('hostDay')}</label>
            <input id="recon-day" type="date" required {...text(day, setDay)} />
          </div>
          {who?.role === 'operations' && (
            <MerchantPicker
              id="recon-merchant"
              label={t('hostMerchant')}
              value={merchantId}
              onChange={setMerchantId}
            />
          )}
        </>
      ) : (
        <div class="field">
          <label for="recon-host">{t('hostFile')}</label>
          <input id="recon-host" name="hostJournal" type="file" accept=".csv,text/csv" />
        </div>
      )}
      <div class="field">
        <label for="recon-terminal">{t('terminalFile')}</label>
        <input id="recon-terminal" name="terminalJournal" type="file" accept=".csv,text/csv" />
      </div>
      <div class="field">
        <label for="recon-window">{t('duplicateWindow')}</label>
        <input
          id="recon-window"
          inputMode="numeric"
          maxLength={5}
          placeholder="120"
          {...text(windowS, setWindowS)}
        />
      </div>
      <div class="buttons">
        <button type="submit" disabled={busy}>
          {busy ? t('starting') : t('startRun')}
        </button>
      </div>
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
