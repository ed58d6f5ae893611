import type { Config } from '@backstage/config';
import { readDurationFromConfig } from '@backstage/config';
import type { HumanDuration } from '@backstage/types';
import { readClusters } from '../kube/clusterConfig';
import { checkRepoUrl } from '../source/repoUrl';

/**
 * The cluster names annotations may use: `gitops.clusters[].name`, plus every
 * context of `gitops.kubeconfig`, read as the engine reads them. Reads config
 * and the kubeconfig file only (never contacts a cluster).
 */
export function readClusterNames(config: Config): string[] {
  return [...readClusters(config).keys()];
}

/**
 * Checks repository URLs as the engine will before fetching: `gitops.allowedRepos`
 * (glob patterns; none configured allows none) and the URL's form. Returns the
 * problem, or `undefined` for a repository Mooring may use.
 */
export function createRepoCheck(
  config: Config,
): (url: string) => string | undefined {
  const patterns = config.getOptionalStringArray('gitops.allowedRepos');
  return url => {
    try {
      checkRepoUrl(url, patterns);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
}

/** How often the catalog is read for new, changed and removed applications. */
export function readCatalogSyncInterval(config: Config): HumanDuration {
  const key = 'gitops.catalogSync.interval';
  if (!config.has(key)) {
    return { seconds: 10 };
  }
  return readDurationFromConfig(config, { key });
}
