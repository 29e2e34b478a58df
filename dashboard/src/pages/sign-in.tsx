// Sign-in with the merchant's API key. The key goes to POST /v1/session once and is forgotten; the
// host answers with an HttpOnly session cookie and the session's CSRF token.
import { useState } from 'preact/hooks';
import { ApiError, signIn } from '../api.js';
import { t } from '../i18n.js';

export function SignInPage() {
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await signIn(apiKey.trim());
      setApiKey('');
      location.hash = '#/overview';
    } catch (error) {
      if (error instanceof ApiError && error.status === 429)
        setProblem(t('signInLimited', { seconds: error.retryAfterS ?? 60 }));
      else if (error instanceof ApiError && error.status === 401) setProblem(t('signInFailed'));
      else setProblem(`${t('errorPrefix')}${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>{t('signInTitle')}</h1>
      <p>{t('signInIntro')}</p>
      <form onSubmit={(event) => void submit(event)}>
        <label for="api-key">{t('apiKey')}</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={apiKey}
          onInput={(event) => setApiKey(event.currentTarget.value)}
        />
        <button type="submit" disabled={busy}>
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
