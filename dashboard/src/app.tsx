// The dashboard's frame: the header (who is signed in, the language switch, sign-out), the
// navigation, and the page the hash names. Routes live in the hash (#/payments/ID), so the host
// serves one page and a reload keeps the place. An operations session (an operations key: every
// merchant) has the fleet's pages: Overview, Payments and Terminals with a merchant filter,
// Reconciliation and Diagnostics; the pages that act for one merchant (the duplicate question,
// fees, users) are a merchant's only. Reconciliation and Users load on demand, so the first page
// stays small.
import { useEffect, useState } from 'preact/hooks';
import { session, signOut } from './api.js';
import { useRoute, useSignal, type Route } from './hooks.js';
import { locale, setLocale, t, type MessageKey } from './i18n.js';
import { DiagnosticsPage } from './pages/diagnostics.js';
import { DuplicatePage } from './pages/duplicate.js';
import { EvidencePage } from './pages/evidence.js';
import { FeesPage } from './pages/fees.js';
import { OverviewPage } from './pages/overview.js';
import { PaymentDetailPage } from './pages/payment-detail.js';
import { PaymentsPage } from './pages/payments.js';
import { SignInPage } from './pages/sign-in.js';
import { TerminalsPage } from './pages/terminals.js';

const nav: ReadonlyArray<readonly [string, MessageKey]> = [
  ['/overview', 'navOverview'],
  ['/payments', 'navPayments'],
  ['/duplicate', 'navDuplicate'],
  ['/terminals', 'navTerminals'],
  ['/reconciliation', 'navReconciliation'],
  ['/fees', 'navFees'],
  ['/diagnostics', 'navDiagnostics'],
  ['/users', 'navUsers'],
];
const operationsNav: ReadonlyArray<readonly [string, MessageKey]> = [
  ['/overview', 'navOverview'],
  ['/payments', 'navPayments'],
  ['/terminals', 'navTerminals'],
  ['/reconciliation', 'navReconciliation'],
  ['/diagnostics', 'navDiagnostics'],
];

/** A module loaded on first use; null until it has come. */
function useModule<M>(load: () => Promise<M>): M | null {
  const [loaded, setLoaded] = useState<M | null>(null);
  useEffect(() => {
    let live = true;
    void load().then((module) => live && setLoaded(module));
    return () => {
      live = false;
    };
  }, []);
  return loaded;
}

function Loading() {
  return (
    <p class="loading" role="status">
      {t('loading')}
    </p>
  );
}

function LazyReconciliation({ route }: { route: Route }) {
  const module = useModule(() => import('./pages/reconciliation.js'));
  return module === null ? <Loading /> : <module.ReconciliationPage route={route} />;
}

function LazyUsers() {
  const module = useModule(() => import('./pages/users.js'));
  return module === null ? <Loading /> : <module.UsersPage />;
}

export function App() {
  const lang = useSignal(locale);
  const who = useSignal(session);
  const route = useRoute();
  const toggle = (
    <button
      type="button"
      class="lang"
      lang={lang === 'zh-CN' ? 'en' : 'zh-CN'}
      aria-label={t('switchLanguageLabel')}
      onClick={() => setLocale(lang === 'zh-CN' ? 'en' : 'zh-CN')}
    >
      {t('switchLanguage')}
    </button>
  );
  if (who === null) {
    return (
      <div class="signin-frame" key={lang}>
        <header class="top">
          <span class="brand">{t('appName')}</span>
          {toggle}
        </header>
        <SignInPage />
      </div>
    );
  }
  if (route.path === '/evidence' && who.role === 'merchant') return <EvidencePage key={lang} route={route} />;
  return (
    <div class="frame" key={lang}>
      <a class="skip" href="#main" onClick={skipToMain}>
        {t('skipToContent')}
      </a>
      <header class="top">
        <span class="brand">{t('appName')}</span>
        <span class="who">
          {who.role === 'merchant'
            ? `${t('signedInAs', { name: who.merchantName ?? '', id: who.merchantId ?? '' })} · ${t('roleMerchant')}`
            : t('signedInOperations')}
        </span>
        {toggle}
        <button type="button" onClick={() => void signOut()}>
          {t('signOut')}
        </button>
      </header>
      <nav aria-label={t('appName')}>
        <ul>
          {(who.role === 'merchant' ? nav : operationsNav).map(([path, key]) => (
            <li key={path}>
              <a href={`#${path}`} aria-current={route.path.startsWith(path) ? 'page' : undefined}>
                {t(key)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Page route={route} operations={who.role === 'operations'} />
      </main>
    </div>
  );
}

function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function Page({ route, operations }: { route: Route; operations: boolean }) {
  const detail = /^\/payments\/(.+)$/.exec(route.path);
  if (detail?.[1] !== undefined) return <PaymentDetailPage id={decodeURIComponent(detail[1])} />;
  switch (route.path) {
    case '/payments':
      return <PaymentsPage />;
    case '/terminals':
      return <TerminalsPage />;
    case '/reconciliation':
      return <LazyReconciliation route={route} />;
    case '/diagnostics':
      return <DiagnosticsPage />;
  }
  // The pages that act for one merchant: an operations session sees the overview in their place.
  if (operations) return <OverviewPage />;
  switch (route.path) {
    case '/duplicate':
      return <DuplicatePage route={route} />;
    case '/fees':
      return <FeesPage />;
    case '/users':
      return <LazyUsers />;
    default:
      return <OverviewPage />;
  }
}
