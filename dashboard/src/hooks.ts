// Small hooks the pages share: watching a signal, the current hash route, and loading data with
// its loading and error states.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from './api.js';
import type { Signal } from './signal.js';

export function useSignal<T>(source: Signal<T>): T {
  const [value, setValue] = useState(source.get());
  useEffect(() => {
    setValue(source.get());
    return source.subscribe(setValue);
  }, [source]);
  return value;
}

export interface Route {
  /** The path after `#`, e.g. `/payments/pay_1`. */
  readonly path: string;
  readonly query: URLSearchParams;
}

function readRoute(): Route {
  const hash = location.hash.startsWith('#') ? location.hash.slice(1) : '';
  const [path = '', search = ''] = hash.split('?', 2);
  return { path: path === '' ? '/overview' : path, query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const onChange = (): void => setRoute(readRoute());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function go(path: string, query: Record<string, string> = {}): void {
  const search = new URLSearchParams(query).toString();
  location.hash = search === '' ? path : `${path}?${search}`;
}

export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly error: ApiError | Error }
  | { readonly state: 'ready'; readonly value: T };

/** Runs `load` whenever a dependency changes; a slower earlier load never overwrites a later one. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [generation, setGeneration] = useState(0);
  const lastGeneration = useRef(0);
  useEffect(() => {
    let current = true;
    // A reload of the same thing (after an action) keeps showing what it has until the answer comes.
    const reload = lastGeneration.current !== generation;
    lastGeneration.current = generation;
    if (!reload) setLoaded({ state: 'loading' });
    load().then(
      (value) => current && setLoaded({ state: 'ready', value }),
      (error: unknown) =>
        current &&
        setLoaded({ state: 'failed', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  return [loaded, () => setGeneration((n) => n + 1)];
}
