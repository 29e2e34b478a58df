// The dashboard's entry: finds out whether the session cookie still stands for a sign-in, then
// shows the app. Everything else is in app.tsx.
import { render } from 'preact';
import { resumeSession } from './api.js';
import { App } from './app.js';
import { locale } from './i18n.js';

document.documentElement.lang = locale.get();
const root = document.getElementById('app');
if (root !== null) {
  // A failed look-up (host down) shows the sign-in page, which says what went wrong when used.
  void resumeSession()
    .catch(() => null)
    .then(() => render(<App />, root));
}
