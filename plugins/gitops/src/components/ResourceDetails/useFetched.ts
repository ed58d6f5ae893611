import { DependencyList, useCallback, useEffect, useState } from 'react';

/** The state of one request a component makes itself (the drawer's reads). */
export interface Fetched<T> {
  value?: T;
  error?: Error;
  loading: boolean;
  retry: () => void;
}

/**
 * Runs `load` when `deps` change and on `retry`; a late answer to an older request is
 * dropped. The last value stays while a new request runs (so following logs does not
 * blink).
 */
export function useFetched<T>(
  load: () => Promise<T>,
  deps: DependencyList,
): Fetched<T> {
  const [state, setState] = useState<Omit<Fetched<T>, 'retry'>>({
    loading: true,
  });
  const [attempt, setAttempt] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  useEffect(() => {
    let current = true;
    setState(previous => ({ ...previous, loading: true }));
    run().then(
      value => current && setState({ value, loading: false }),
      error =>
        current &&
        setState(previous => ({
          value: previous.value,
          error: error as Error,
          loading: false,
        })),
    );
    return () => {
      current = false;
    };
  }, [run, attempt]);
  const retry = useCallback(() => setAttempt(a => a + 1), []);
  return { ...state, retry };
}
