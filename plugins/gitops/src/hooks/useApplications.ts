import { useCallback, useEffect, useSyncExternalStore } from 'react';
import type {
  Application,
  ApplicationListResponse,
  EntityAnnotationError,
} from '@mooring/plugin-gitops-common';
import { useSignal } from '@backstage/plugin-signals-react';
import { applicationsKey, GitopsSignal, Snapshot } from './GitopsStore';
import { useGitopsStore } from './useGitopsStore';

/** Result of {@link useApplications}. */
export interface ApplicationsState extends Snapshot<Application[]> {
  /** Annotation errors the backend reports for the entity. */
  annotationErrors: EntityAnnotationError[];
  /** Fetches again now. */
  refresh: () => Promise<void>;
}

/**
 * An entity's applications, kept live by the shared poller: the card and the tab of one
 * page cause one request between them.
 */
export function useApplications(entityRef: string): ApplicationsState {
  const store = useGitopsStore();
  const key = applicationsKey(entityRef);
  const snapshot = useSyncExternalStore(
    useCallback(listener => store.subscribe(key, listener), [store, key]),
    () => store.getSnapshot<ApplicationListResponse>(key),
  );
  useEffect(() => store.watchApplications(entityRef), [store, entityRef]);
  // Changes pushed on the `gitops` channel refetch at once; without signals the shared
  // poller keeps polling.
  const { lastSignal, isSignalsAvailable } = useSignal<GitopsSignal>('gitops');
  useEffect(
    () => store.setSignalsAvailable(isSignalsAvailable),
    [store, isSignalsAvailable],
  );
  useEffect(() => {
    if (lastSignal && typeof lastSignal.applicationId === 'string') {
      store.applicationChanged(lastSignal);
    }
  }, [store, lastSignal]);
  const refresh = useCallback(
    () => store.refreshApplications(entityRef),
    [store, entityRef],
  );
  return {
    value: snapshot.value?.items,
    annotationErrors: snapshot.value?.errors ?? [],
    error: snapshot.error,
    loading: snapshot.loading,
    refresh,
  };
}
