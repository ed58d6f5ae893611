import { useCallback, useEffect, useSyncExternalStore } from 'react';
import type {
  Application,
  ApplicationResource,
  ResourceDiff,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import { useApi } from '@backstage/core-plugin-api';
import { gitopsApiRef, GitopsApi } from '../api';
import { applicationVersion, Snapshot } from './GitopsStore';
import { useGitopsStore } from './useGitopsStore';

const loaders: Record<
  'history' | 'resources' | 'diff',
  (api: GitopsApi, id: string) => Promise<unknown>
> = {
  history: (api, id) => api.getHistory(id),
  resources: (api, id) => api.getResources(id),
  diff: (api, id) => api.getDiff(id),
};

type DataKind = keyof typeof loaders;

/** Result of the per-application data hooks. */
export interface ApplicationDataState<T> extends Snapshot<T> {
  retry: () => void;
}

function useApplicationData<T>(
  kind: DataKind,
  app: Application | undefined,
): ApplicationDataState<T> {
  const api = useApi(gitopsApiRef);
  const store = useGitopsStore();
  const key = app ? `${kind}:${app.id}` : '';
  const version = app ? applicationVersion(app) : '';
  const snapshot = useSyncExternalStore(
    useCallback(listener => store.subscribe(key, listener), [store, key]),
    () => store.getSnapshot<T>(key),
  );
  const id = app?.id;
  useEffect(() => {
    if (id) {
      store.load(key, version, () => loaders[kind](api, id));
    }
  }, [store, api, kind, key, id, version]);
  const retry = useCallback(() => {
    if (id) store.load(key, version, () => loaders[kind](api, id), true);
  }, [store, api, kind, key, id, version]);
  return { ...snapshot, retry };
}

/**
 * An application's sync runs, newest first. Fetched again only when the application
 * changes (a new revision, operation or reconcile), not on every poll.
 */
export function useHistory(app: Application | undefined) {
  return useApplicationData<SyncRun[]>('history', app);
}

/** An application's resources, live objects included. */
export function useResources(app: Application | undefined) {
  return useApplicationData<ApplicationResource[]>('resources', app);
}

/** The diff (live → desired) of an application's out-of-sync resources. */
export function useDiff(app: Application | undefined) {
  return useApplicationData<ResourceDiff[]>('diff', app);
}
