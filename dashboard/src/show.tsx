// What a page shows while its data loads, or when loading failed (with a retry); the data otherwise.
import type { ComponentChildren } from 'preact';
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
        <p>
          {t('errorPrefix')}
          {loaded.error.message}
        </p>
        <button type="button" onClick={props.retry}>
          {t('retry')}
        </button>
      </div>
    );
  return <>{props.children(loaded.value)}</>;
}
