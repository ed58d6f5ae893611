import { InputError } from '@backstage/errors';
import { Minimatch } from 'minimatch';
import { repoUrlAllowed } from '@mooring/plugin-gitops-node';
import { ownerEntityRef } from './ownerEntityRef';
import type { TenancyRule } from './readTenancyRules';

/** The owner of an application whose entity names none: it gets the default grant. */
export const UNOWNED = 'group:default/unowned';

/** The application a grant is computed for. */
export interface GrantSubject {
  /** The component's `spec.owner`, e.g. `payments` or `group:default/payments`. */
  owner: string;
  /** The gitops cluster it deploys to (`mooring.dev/cluster`). */
  cluster: string;
  /** Its destination namespace (`mooring.dev/namespace`). */
  destinationNamespace: string;
  /** The repository it renders from (`mooring.dev/repo`). */
  repoUrl: string;
}

/** What one application's owner may do on the application's cluster. */
export interface Grant {
  /** The owner's full, lower-case entity ref. */
  owner: string;
  /**
   * Indexes in `gitops.tenancy.rules` of the rules that grant this
   * application something; empty for the default grant.
   */
  rules: number[];
  /**
   * `none` without `gitops.tenancy`, `unmatched` when no rule names the
   * owner; both give the default: the destination namespace only.
   */
  basis: 'rules' | 'none' | 'unmatched';
  /** Cluster name globs the owner may deploy to, over all its rules. */
  clusters: string[];
  /** Namespace globs the application may write to on its cluster. */
  namespaces: string[];
  /** Cluster-scoped kinds (`Kind`, `group/Kind`, globs) it may manage on its cluster. */
  clusterResources: string[];
  /** Repository URL globs it may render from; `undefined` does not narrow `gitops.allowedRepos`. */
  repos?: string[];
  /** The service account (in the destination namespace) its requests impersonate. */
  serviceAccount?: string;
  /** The default grant left out this namespace: rules give it to other owners. */
  claimed?: string;
}

/**
 * Namespaces Kubernetes reserves for itself (`kube-system`, `kube-public`,
 * `kube-node-lease`, …). The default grant never covers them, so an
 * annotation `mooring.dev/namespace: kube-system` reaches nothing without a
 * rule that names the namespace.
 */
const RESERVED_NAMESPACE = /^kube-/;

/**
 * The effective grant of one application. Rules whose `owners` match the
 * owner make up its grant; of those, the rules whose `clusters` match the
 * application's cluster, and whose `repos` (if set) match its repository,
 * grant namespaces, cluster-scoped kinds and a service account, added up.
 * Judging per cluster and repository keeps "dev for payments-dev, prod for
 * payments" from granting payments-dev on prod.
 *
 * An owner matching no rule, and every owner without `gitops.tenancy`,
 * gets the default: namespaced objects in the destination namespace and that
 * Namespace itself, on any cluster; nothing cluster-scoped. A namespace a
 * rule grants to other owners on that cluster is not part of the default.
 *
 * Throws when the matching rules name different service accounts: which one
 * the cluster should check is then a choice only the platform can make.
 */
export function grantFor(
  rules: TenancyRule[] | undefined,
  subject: GrantSubject,
): Grant {
  const owner = ownerEntityRef(subject.owner);
  const ownerRules = (rules ?? [])
    .map((rule, index) => ({ rule, index }))
    .filter(({ rule }) =>
      rule.owners.some(pattern => ownerMatches(pattern, owner)),
    );
  if (ownerRules.length === 0) {
    // The default: its own namespace, unless Kubernetes reserves it or a
    // rule gives it to another owner on this cluster by name or pattern (then
    // it is theirs; a rule granting every namespace claims none).
    const claimed = (rules ?? []).some(
      rule =>
        rule.clusters.some(pattern => globMatches(subject.cluster, pattern)) &&
        rule.namespaces.some(
          pattern =>
            pattern !== '*' &&
            pattern !== '**' &&
            globMatches(subject.destinationNamespace, pattern),
        ),
    );
    return {
      owner,
      rules: [],
      basis: rules ? 'unmatched' : 'none',
      clusters: ['*'],
      namespaces:
        RESERVED_NAMESPACE.test(subject.destinationNamespace) || claimed
          ? []
          : [subject.destinationNamespace],
      clusterResources: [],
      ...(claimed ? { claimed: subject.destinationNamespace } : {}),
    };
  }

  const onCluster = ownerRules.filter(({ rule }) =>
    rule.clusters.some(pattern => globMatches(subject.cluster, pattern)),
  );
  const repos = onCluster.every(({ rule }) => rule.repos)
    ? unique(onCluster.flatMap(({ rule }) => rule.repos ?? []))
    : undefined;
  const applying = onCluster.filter(
    ({ rule }) =>
      !rule.repos ||
      rule.repos.some(pattern => repoMatches(subject.repoUrl, pattern)),
  );

  const serviceAccounts = unique(
    applying.flatMap(({ rule }) =>
      rule.serviceAccount ? [rule.serviceAccount] : [],
    ),
  );
  if (serviceAccounts.length > 1) {
    throw new InputError(
      `${owner} matches gitops.tenancy.rules ${applying
        .filter(({ rule }) => rule.serviceAccount)
        .map(({ index }) => index)
        .join(', ')} on cluster ${
        subject.cluster
      }, which name different service accounts (${serviceAccounts.join(
        ', ',
      )}); give these rules one serviceAccount`,
    );
  }

  const grant: Grant = {
    owner,
    rules: applying.map(({ index }) => index),
    basis: 'rules',
    clusters: unique(ownerRules.flatMap(({ rule }) => rule.clusters)),
    namespaces: unique(applying.flatMap(({ rule }) => rule.namespaces)),
    clusterResources: unique(
      applying.flatMap(({ rule }) => rule.clusterResources),
    ),
  };
  if (repos) grant.repos = repos;
  if (serviceAccounts.length === 1) grant.serviceAccount = serviceAccounts[0];
  return grant;
}

/** True when the grant lets the application deploy to this cluster. */
export function clusterAllowed(grant: Grant, cluster: string): boolean {
  return grant.clusters.some(pattern => globMatches(cluster, pattern));
}

/**
 * True when the grant lets the application render from this repository.
 * Only narrows: `gitops.allowedRepos` is checked where the source is fetched.
 */
export function repoAllowed(grant: Grant, url: string): boolean {
  return !grant.repos || grant.repos.some(pattern => repoMatches(url, pattern));
}

/** True when the grant lets the application write namespaced objects in this namespace. */
export function namespaceAllowed(grant: Grant, namespace: string): boolean {
  return grant.namespaces.some(pattern => globMatches(namespace, pattern));
}

/**
 * True when the grant lets the application manage this cluster-scoped kind.
 * `Kind` alone names the kind in the built-in API groups (the core group,
 * groups without a dot such as `apps`, and `*.k8s.io`), which only
 * Kubernetes defines; a custom resource is granted as `group/Kind`, so a CRD
 * of someone else cannot borrow a built-in kind's name. `*` is every kind.
 */
export function clusterResourceAllowed(
  grant: Grant,
  group: string,
  kind: string,
): boolean {
  return grant.clusterResources.some(pattern =>
    kindMatches(pattern, group, kind),
  );
}

/**
 * The impersonated user of the application's requests,
 * `system:serviceaccount:<namespace>:<serviceAccount>`, or `undefined` when
 * the grant names no service account (Mooring's own credential is used).
 */
export function impersonatedUser(
  grant: Grant,
  destinationNamespace: string,
): string | undefined {
  return grant.serviceAccount
    ? `system:serviceaccount:${destinationNamespace}:${grant.serviceAccount}`
    : undefined;
}

/**
 * What the grant allows, without the owner: `clusters dev, prod; namespaces
 * payments, payments-*; cluster-scoped kinds: Namespace`.
 */
export function grantedSummary(grant: Grant): string {
  const parts = [
    grantedClusters(grant),
    grant.namespaces.includes('*')
      ? 'any namespace'
      : listed(grant.namespaces, 'namespace'),
  ];
  if (grant.clusterResources.includes('*')) {
    parts.push('any cluster-scoped kind');
  } else if (grant.clusterResources.length) {
    parts.push(`cluster-scoped kinds: ${grant.clusterResources.join(', ')}`);
  }
  return parts.join('; ');
}

/** The clusters the grant names, in words: `clusters dev, prod` or `any cluster`. */
export function grantedClusters(grant: Grant): string {
  return grant.clusters.includes('*')
    ? 'any cluster'
    : listed(grant.clusters, 'cluster');
}

/**
 * The grant in words for messages: `group:default/payments may deploy to
 * clusters dev, prod; namespaces payments, payments-*; cluster-scoped kinds:
 * Namespace`, with where a default grant comes from.
 */
export function describeGrant(grant: Grant): string {
  const words = `${grant.owner} may deploy to ${grantedSummary(grant)}`;
  switch (grant.basis) {
    case 'none':
      return `${words} (the default without gitops.tenancy: its own namespace only)`;
    case 'unmatched':
      return grant.claimed
        ? `${words} (the default: no gitops.tenancy rule names this owner, and namespace ${grant.claimed} is granted to other owners)`
        : `${words} (the default: no gitops.tenancy rule names this owner)`;
    default:
      return words;
  }
}

function ownerMatches(pattern: string, owner: string): boolean {
  if (pattern === '*' || pattern === '**') return true;
  let full: string;
  try {
    full = ownerEntityRef(pattern);
  } catch {
    return false;
  }
  return matchesGlob(owner, full, true);
}

function kindMatches(pattern: string, group: string, kind: string): boolean {
  if (pattern === '*' || pattern === '**') return true;
  if (pattern.includes('/')) {
    return group !== '' && globMatches(`${group}/${kind}`, pattern);
  }
  return isBuiltInGroup(group) && globMatches(kind, pattern);
}

function isBuiltInGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

function globMatches(value: string, pattern: string): boolean {
  return matchesGlob(value, pattern);
}

// As gitops.allowedRepos is matched (see checkRepoUrl).
/** Repository URLs compare as `gitops.allowedRepos` does: parsed, not as text. */
function repoMatches(url: string, pattern: string): boolean {
  return repoUrlAllowed(url, pattern);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function listed(values: string[], word: string): string {
  if (!values.length) return `no ${word}`;
  return `${values.length === 1 ? word : `${word}s`} ${values.join(', ')}`;
}

/** Compiled patterns, by options and pattern: grants and URL rules are few and matched constantly. */
const compiledPatterns = new Map<string, Minimatch>();

/** `minimatch(value, pattern, options)`, compiling each pattern once. */
function matchesGlob(value: string, pattern: string, nocase = false): boolean {
  const key = `${nocase ? 'i' : 's'}${pattern}`;
  let compiled = compiledPatterns.get(key);
  if (!compiled) {
    // Bounded: patterns come from configuration and annotations.
    if (compiledPatterns.size >= 2048) compiledPatterns.clear();
    compiled = new Minimatch(pattern, { dot: true, nocase });
    compiledPatterns.set(key, compiled);
  }
  return compiled.match(value);
}
