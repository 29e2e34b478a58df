// Sign-in with the merchant's API key, or with a username and password the merchant created. What
// is typed goes to POST /v1/session once and is forgotten; the host answers with an HttpOnly session
// cookie and the session's CSRF token.
import { useState } from 'preact/hooks';
import { ApiError, signIn, type Credentials } from '../api.js';
import { t } from '../i18n.js';

type Mode = 'key' | 'user';

export function SignInPage() {
  const [mode, setMode] = useState<Mode>('key');
  const [fields, setFields] = useState({ apiKey: '', merchantId: '', username: '', password: '' });
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const credentials = (): Credentials =>
    mode === 'key'
      ? { apiKey: fields.apiKey.trim() }
      : { merchantId: fields.merchantId.trim(), username: fields.username.trim(), password: fields.password };
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await signIn(credentials());
      setFields({ apiKey: '', merchantId: '', username: '', password: '' });
      location.hash = '#/overview';
    } catch (error) {
      if (error instanceof ApiError && error.status === 429)
        setProblem(t('signInLimited', { seconds: error.retryAfterS ?? 60 }));
      else if (error instanceof ApiError && error.status === 401)
        setProblem(t(mode === 'key' ? 'signInFailed' : 'signInUserFailed'));
      else setProblem(`${t('errorPrefix')}${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };
  const input = (name: keyof typeof fields, label: string, secret = false) => {
    const common = {
      id: `signin-${name}`,
      name,
      autoComplete: 'off',
      spellcheck: false,
      required: true,
      value: fields[name],
      onInput: (event: { currentTarget: HTMLInputElement }) =>
        setFields({ ...fields, [name]: event.currentTarget.value }),
    };
    return (
      <>
        <label for={`signin-${name}`}>{label}</label>
        {secret ? <input type="password" {...common} /> : <input type="text" {...common} />}
      </>
    );
  };
  return (
    <main id="main" class="signin">
      <h1>{t('signInTitle')}</h1>
      <p>{t('signInIntro')}</p>
      <div class="buttons" role="group" aria-label={t('signIn')}>
        {(['key', 'user'] as const).map((m) => (
          <button
            key={m}
            type="button"
            class={mode === m ? '' : 'secondary'}
            aria-pressed={mode === m}
            onClick={() => setMode(m)}
          >
            {t(m === 'key' ? 'signInWithKey' : 'signInWithUser')}
          </button>
        ))}
      </div>
      <form onSubmit={(event) => void submit(event)}>
        {mode === 'key' ? (
          <>
            <label for="api-key">{t('apiKey')}</label>
            <input
              id="api-key"
              name="apiKey"
              type="password"
              autoComplete="off"
              spellcheck={false}
              required
              value={fields.apiKey}
              onInput={(event) => setFields({ ...fields, apiKey: event.currentTarget.value })}
            />
          </>
        ) : (
          <>
            {input('merchantId', t('merchantId'))}
            {input('username', t('username'))}
            {input('password', t('password'), true)}
          </>
        )}
        <button type="submit" id="signin-submit" disabled={busy}>
          {busy ? t('signingIn') : t('signIn')}
        </button>
        {problem !== null && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
      </form>
    </main>
  );
}
