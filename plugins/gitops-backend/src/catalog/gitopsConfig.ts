import type { Config } from '@backstage/config';
import { readDurationFromConfig } from '@backstage/config';
import type { HumanDuration } from '@backstage/types';
import { readClusters } from '../kube/clusterConfig';
import { ownerOf } from './entityApplications';
import {
  ANNOTATION_CLUSTER,
  ANNOTATION_NAMESPACE,
  ANNOTATION_REPO,
  DEFAULT_TARGET,
  ParseGitopsAnnotationsOptions,
} from '@mooring/plugin-gitops-common';
import {
  clusterAllowed,
  describeGrant,
  grantedClusters,
  grantFor,
  namespaceAllowed,
  readTenancyRules,
  repoAllowed,
  UNOWNED,
} from '../tenancy';

/**
 * The cluster names annotations may use: `gitops.clusters[].name`, plus every
 * context of `gitops.kubeconfig`, read as the engine reads them. Reads config
 * and the kubeconfig file only (never contacts a cluster).
 */
export function readClusterNames(config: Config): string[] {
  return [...readClusters(config).keys()];
}

// Repository URLs are checked as the engine checks them before fetching
// (gitops.allowedRepos and the URL's form), by the same code.
export { createRepoCheck } from '@mooring/plugin-gitops-node';

/** How often the catalog is read for new, changed and removed applications. */
export function readCatalogSyncInterval(config: Config): HumanDuration {
  const key = 'gitops.catalogSync.interval';
  if (!config.has(key)) {
    return { seconds: 10 };
  }
  return readDurationFromConfig(config, { key });
}

/**
 * Checks each parsed target against `gitops.tenancy`, as the engine will
 * before syncing: the owner (`spec.owner`) must be granted the target's
 * cluster, repository and destination namespace. Returns the problem with
 * the annotation at fault, so it shows on the entity's processing status.
 */
export function createTargetCheck(
  config: Config,
): NonNullable<ParseGitopsAnnotationsOptions['checkTarget']> {
  const rules = readTenancyRules(config);
  return (target, entity) => {
    const suffix = target.target === DEFAULT_TARGET ? '' : `.${target.target}`;
    // The catalog requires an owner of components; anything without one
    // gets the default grant, as an owner that no rule names.
    const owner = ownerOf(entity);
    let grant;
    try {
      grant = grantFor(rules, {
        owner: owner ?? UNOWNED,
        cluster: target.cluster,
        destinationNamespace: target.namespace,
        repoUrl: target.repoUrl,
      });
    } catch (error) {
      return {
        annotation: `${ANNOTATION_CLUSTER}${suffix}`,
        message: (error as Error).message,
      };
    }
    const ask = 'or ask the platform team to extend gitops.tenancy.rules';
    if (!clusterAllowed(grant, target.cluster)) {
      return {
        annotation: `${ANNOTATION_CLUSTER}${suffix}`,
        message: `${ANNOTATION_CLUSTER}${suffix} names cluster '${
          target.cluster
        }', which is not granted to ${grant.owner}: ${
          grant.owner
        } may deploy to ${grantedClusters(grant)}; pick one of those, ${ask}`,
      };
    }
    if (!repoAllowed(grant, target.repoUrl)) {
      return {
        annotation: `${ANNOTATION_REPO}${suffix}`,
        message: `Repository ${target.repoUrl} is not granted to ${
          grant.owner
        } (its grants allow ${grant.repos?.join(', ')}); ${ask.replace(
          /^or /,
          '',
        )}`,
      };
    }
    if (!namespaceAllowed(grant, target.namespace)) {
      return {
        annotation: `${ANNOTATION_NAMESPACE}${suffix}`,
        message: `Namespace '${target.namespace}' is not granted to ${
          grant.owner
        }: ${describeGrant(grant)}; pick a granted namespace, ${ask}`,
      };
    }
    return undefined;
  };
}
