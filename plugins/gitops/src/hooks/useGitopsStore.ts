import { useApi } from '@backstage/core-plugin-api';
import { gitopsApiRef, GitopsApi } from '../api';
import { GitopsStore } from './GitopsStore';

const stores = new WeakMap<GitopsApi, GitopsStore>();

/** The store shared by every Mooring component of the app (one per API instance). */
export function useGitopsStore(): GitopsStore {
  const api = useApi(gitopsApiRef);
  let store = stores.get(api);
  if (!store) {
    store = new GitopsStore(api);
    stores.set(api, store);
  }
  return store;
}
