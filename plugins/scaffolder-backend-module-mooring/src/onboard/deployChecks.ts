import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  ANNOTATION_CLUSTER,
  ANNOTATION_NAMESPACE,
  DEFAULT_TARGET,
  GitopsTarget,
  ParseGitopsAnnotationsOptions,
} from '@mooring/plugin-gitops-common';
import { minimatch } from 'minimatch';
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';

/*
 * What the Mooring agent will refuse, checked before anything is pushed so
 * the person onboarding hears it from the form rather than from a failed
 * sync. These read the same configuration keys as the agent
 * (gitops.clusters, gitops.kubeconfig, gitops.allowedRepos,
 * gitops.tenancy.rules); repository URLs are checked by the agent's own
 * code (createRepoCheck of @mooring/plugin-gitops-node). The agent stays the authority and re-checks every
 * object on every sync.
 */

const GLOB_OPTIONS = { dot: true, nocase: true };

/** Cluster names the agent knows: `gitops.clusters[].name` and every kubeconfig context. */
export function readClusterNames(config: Config): string[] | undefined {
  const names = (config.getOptionalConfigArray('gitops.clusters') ?? []).map(
    c => c.getString('name'),
  );
  const kubeconfig = config.getOptionalString('gitops.kubeconfig');
  if (kubeconfig) {
    try {
      const parsed = parseYaml(fs.readFileSync(kubeconfig, 'utf8'));
      for (const context of parsed?.contexts ?? []) {
        if (typeof context?.name === 'string') names.push(context.name);
      }
    } catch {
      // The agent warns about an unreadable kubeconfig; without its
      // contexts the names cannot be checked here.
      return undefined;
    }
  }
  return names;
}

interface Rule {
  owners: string[];
  clusters: string[];
  namespaces: string[];
  repos?: string[];
}

function readRules(config: Config): Rule[] | undefined {
  const rules = config.getOptionalConfigArray('gitops.tenancy.rules');
  return rules?.map(rule => ({
    owners: rule.getStringArray('owners'),
    clusters: rule.getStringArray('clusters'),
    namespaces: rule.getOptionalStringArray('namespaces') ?? [],
    repos: rule.getOptionalStringArray('repos'),
  }));
}

const matches = (value: string, pattern: string) =>
  pattern === '*' || minimatch(value, pattern, GLOB_OPTIONS);

/** The owner's full, lower-case entity ref (`guests` is `group:<namespace>/guests`). */
export function ownerRef(entity: Entity): string | undefined {
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || !owner) return undefined;
  return stringifyEntityRef(
    parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: entity.metadata.namespace ?? 'default',
    }),
  ).toLocaleLowerCase('en-US');
}

/**
 * `gitops.tenancy` as the annotation parser's `checkTarget`: the owner must
 * be granted the target's cluster, repository and namespace. An owner no
 * rule names gets the default grant, its own namespace, unless Kubernetes
 * reserves it or a rule gives it to someone else on that cluster.
 */
export function createTargetCheck(
  config: Config,
): NonNullable<ParseGitopsAnnotationsOptions['checkTarget']> {
  const rules = readRules(config);
  return (target: GitopsTarget, entity: Entity) => {
    const suffix = target.target === DEFAULT_TARGET ? '' : `.${target.target}`;
    const owner = ownerRef(entity) ?? 'group:default/unowned';
    const ownerRules = (rules ?? []).filter(rule =>
      rule.owners.some(pattern => matches(owner, pattern)),
    );
    if (ownerRules.length === 0) {
      const claimed = (rules ?? []).some(
        rule =>
          rule.clusters.some(p => matches(target.cluster, p)) &&
          rule.namespaces.some(
            p => p !== '*' && p !== '**' && matches(target.namespace, p),
          ),
      );
      if (/^kube-/.test(target.namespace) || claimed) {
        return {
          annotation: `${ANNOTATION_NAMESPACE}${suffix}`,
          message: `${owner} is not granted namespace ${target.namespace} on cluster ${target.cluster} (gitops.tenancy names no rule for it; ask the platform team)`,
        };
      }
      return undefined;
    }
    const onCluster = ownerRules.filter(rule =>
      rule.clusters.some(p => matches(target.cluster, p)),
    );
    if (onCluster.length === 0) {
      const granted = [...new Set(ownerRules.flatMap(r => r.clusters))];
      return {
        annotation: `${ANNOTATION_CLUSTER}${suffix}`,
        message: `${owner} may not deploy to cluster ${
          target.cluster
        } (granted: ${granted.join(', ')})`,
      };
    }
    const applying = onCluster.filter(
      rule => !rule.repos || rule.repos.some(p => matches(target.repoUrl, p)),
    );
    const namespaces = [...new Set(applying.flatMap(r => r.namespaces))];
    if (!namespaces.some(p => matches(target.namespace, p))) {
      return {
        annotation: `${ANNOTATION_NAMESPACE}${suffix}`,
        message: `${owner} may not deploy to namespace ${
          target.namespace
        } on cluster ${target.cluster} (granted there: ${
          namespaces.join(', ') || 'none from this repository'
        })`,
      };
    }
    return undefined;
  };
}
