// What a page shows while its data loads, or when loading failed (with a retry); the data otherwise.
import type { ComponentChildren } from 'preact';
import { ApiError } from './api.js';
import type { Loaded } from './hooks.js';
import { t } from './i18n.js';

/** What a page shows while its data loads or when loading failed; the data itself otherwise. */
export function Show<T>(props: {
  loaded: Loaded<T>;
  retry: () => void;
  children: (value: T) => ComponentChildren;
}) {
  const { loaded } = props;
  if (loaded.state === 'loading')
    return (
      <p class="loading" role="status">
        {t('loading')}
      </p>
    );
  if (loaded.state === 'failed')
    return (
      <div class="error" role="alert">
        <p>{problemText(loaded.error)}</p>
        <button type="button" onClick={props.retry}>
          {t('retry')}
        </button>
      </div>
    );
  return <>{props.children(loaded.value)}</>;
}

/** An error in the reader's language where the dashboard knows it; the host's own words otherwise. */
export function problemText(error: Error): string {
  if (error instanceof ApiError && error.status === 404) return t('errorNotFound');
  if (error instanceof ApiError && error.status === 401) return t('errorSession');
  return `${t('errorPrefix')}${error.message}`;
}
