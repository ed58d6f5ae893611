import type { Entity } from '@backstage/catalog-model';
import {
  ANNOTATION_CLUSTER,
  ANNOTATION_HELM_RELEASE,
  ANNOTATION_HELM_VALUES,
  ANNOTATION_IGNORE_DIFFERENCES,
  ANNOTATION_NAMESPACE,
  ANNOTATION_PATH,
  ANNOTATION_PREFIX,
  ANNOTATION_PRUNE,
  ANNOTATION_PRUNE_ON_REMOVE,
  ANNOTATION_REPO,
  ANNOTATION_REVISION,
  ANNOTATION_SELF_HEAL,
  ANNOTATION_SOURCE_LOCATION,
  ANNOTATION_SYNC,
  ANNOTATION_TARGETS,
} from './annotations';
import type { SyncPolicy } from './api';
import {
  IgnoreDifferenceRule,
  readIgnoreDifferenceRules,
} from './ignoreDifferences';

/** @public The target name of an entity that lists no `mooring.dev/targets`. */
export const DEFAULT_TARGET = 'default';

/**
 * One deployment target of an entity, as its annotations describe it.
 * @public
 */
export interface GitopsTarget {
  /** `default` for an entity without `mooring.dev/targets`. */
  target: string;
  cluster: string;
  path: string;
  namespace: string;
  repoUrl: string;
  /** Branch, tag or commit; empty means the remote's default branch. */
  revision: string;
  sync: SyncPolicy;
  prune: boolean;
  selfHeal: boolean;
  pruneOnRemove: boolean;
  /** Present when the entity sets `mooring.dev/helm-values` or `mooring.dev/helm-release`. */
  helm?: {
    /** Values files relative to the chart folder, in the order they apply. */
    valuesFiles: string[];
    releaseName?: string;
  };
  /** From `mooring.dev/ignore-differences`, when the entity sets it. */
  ignoreDifferences?: IgnoreDifferenceRule[];
}

/**
 * A problem with an entity's Mooring annotations, worded for the entity's owners.
 * @public
 */
export interface GitopsAnnotationError {
  /** The target it concerns, when it concerns one. */
  target?: string;
  /** The annotation at fault, e.g. `mooring.dev/cluster.prod`. */
  annotation: string;
  message: string;
}

/** @public */
export interface ParsedGitopsAnnotations {
  /** Targets without errors; a target with any error is left out. */
  targets: GitopsTarget[];
  errors: GitopsAnnotationError[];
}

/**
 * What the parser may check beyond the annotations themselves. Both are known
 * only to the backend (from `gitops.clusters` and `gitops.allowedRepos`).
 * @public
 */
export interface ParseGitopsAnnotationsOptions {
  /** Cluster names Mooring knows; when given, any other name is an error. */
  clusters?: readonly string[];
  /**
   * When given, checks a repository URL (allowed repos, protocol): returns
   * what is wrong with it, or `undefined` when it is fine.
   */
  checkRepo?: (repoUrl: string) => string | undefined;
  /**
   * When given, checks a parsed target against what the platform granted the
   * entity's owner (`gitops.tenancy`): returns the problem with the
   * annotation at fault, or `undefined` when the owner may deploy there.
   */
  checkTarget?: (
    target: GitopsTarget,
    entity: Entity,
  ) => { annotation: string; message: string } | undefined;
}

/** Keys that may carry a `.<target>` suffix. */
const TARGETABLE_KEYS = [
  ANNOTATION_CLUSTER,
  ANNOTATION_PATH,
  ANNOTATION_NAMESPACE,
  ANNOTATION_REPO,
  ANNOTATION_REVISION,
  ANNOTATION_SYNC,
  ANNOTATION_PRUNE,
  ANNOTATION_SELF_HEAL,
  ANNOTATION_PRUNE_ON_REMOVE,
  ANNOTATION_HELM_VALUES,
  ANNOTATION_HELM_RELEASE,
  ANNOTATION_IGNORE_DIFFERENCES,
];

/** Keys that onboard an entity: any of them present means it wants Mooring. */
const ONBOARDING_KEYS = [
  ANNOTATION_CLUSTER,
  ANNOTATION_PATH,
  ANNOTATION_TARGETS,
];

const TARGET_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Helm's own rule for release names. */
const HELM_RELEASE_NAME =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * True when the entity carries Mooring annotations (valid or not), so that a
 * card or tab should show its status or its annotation errors.
 * @public
 */
export function isGitopsAvailable(entity: Entity): boolean {
  const annotations = entity.metadata.annotations ?? {};
  return Object.keys(annotations).some(key =>
    ONBOARDING_KEYS.some(base => key === base || key.startsWith(`${base}.`)),
  );
}

/**
 * The id of an entity's application for one target: URL-safe (only
 * `[a-z0-9-._~]`), stable across restarts, and distinct for every
 * (entity, target) pair, e.g. `component~default~payments~prod`.
 * Entity refs are case-insensitive, so the id is lower case.
 * @public
 */
export function applicationId(entityRef: string, target: string): string {
  const match = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(entityRef);
  if (!match) {
    throw new TypeError(
      `Cannot make an application id from '${entityRef}': expected an entity ref like 'component:default/payments'`,
    );
  }
  const [, kind, namespace = 'default', name] = match;
  return [kind, namespace, name, target]
    .map(part => part.toLocaleLowerCase('en-US'))
    .join('~');
}

/**
 * Reads an entity's `mooring.dev/*` annotations into deployment targets, or
 * clear errors that say which annotation is wrong and how to fix it.
 * Pure: the same entity and options always give the same result.
 * @public
 */
export function parseGitopsAnnotations(
  entity: Entity,
  options: ParseGitopsAnnotationsOptions = {},
): ParsedGitopsAnnotations {
  const annotations = entity.metadata.annotations ?? {};
  const errors: GitopsAnnotationError[] = [];
  if (!isGitopsAvailable(entity)) {
    return { targets: [], errors };
  }

  const targetNames = readTargetNames(annotations, errors);
  if (!targetNames) {
    return { targets: [], errors };
  }
  checkSuffixes(annotations, targetNames, errors);

  const targets: GitopsTarget[] = [];
  for (const target of targetNames) {
    const targetErrors: GitopsAnnotationError[] = [];
    const parsed = readTarget(
      annotations,
      target,
      targetNames.length > 1 || target !== DEFAULT_TARGET,
      options,
      targetErrors,
    );
    const refused =
      parsed && targetErrors.length === 0
        ? options.checkTarget?.(parsed, entity)
        : undefined;
    if (refused) targetErrors.push({ target, ...refused });
    errors.push(...targetErrors);
    if (parsed && targetErrors.length === 0) {
      targets.push(parsed);
    }
  }
  return { targets, errors };
}

function readTargetNames(
  annotations: Record<string, string>,
  errors: GitopsAnnotationError[],
): string[] | undefined {
  const raw = annotations[ANNOTATION_TARGETS];
  if (raw === undefined) {
    return [DEFAULT_TARGET];
  }
  const names = raw
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  if (names.length === 0) {
    errors.push({
      annotation: ANNOTATION_TARGETS,
      message: `${ANNOTATION_TARGETS} is empty; list target names separated by commas, e.g. 'staging,prod', or remove the annotation for a single target`,
    });
    return undefined;
  }
  const seen = new Set<string>();
  let ok = true;
  for (const name of names) {
    if (!TARGET_NAME.test(name)) {
      errors.push({
        annotation: ANNOTATION_TARGETS,
        message: `${ANNOTATION_TARGETS} lists '${name}', which is not a valid target name; use lower-case letters, digits and '-' (at most 63), e.g. 'staging'`,
      });
      ok = false;
    } else if (seen.has(name)) {
      errors.push({
        annotation: ANNOTATION_TARGETS,
        message: `${ANNOTATION_TARGETS} lists '${name}' twice; list each target once`,
      });
      ok = false;
    }
    seen.add(name);
  }
  return ok ? names : undefined;
}

/** Every `mooring.dev/<key>.<suffix>` must name a listed target and a known key. */
function checkSuffixes(
  annotations: Record<string, string>,
  targetNames: string[],
  errors: GitopsAnnotationError[],
) {
  const multi = annotations[ANNOTATION_TARGETS] !== undefined;
  for (const key of Object.keys(annotations)) {
    if (!key.startsWith(ANNOTATION_PREFIX)) continue;
    const base = TARGETABLE_KEYS.find(k => key.startsWith(`${k}.`));
    if (!base) continue;
    const suffix = key.slice(base.length + 1);
    if (!multi) {
      errors.push({
        annotation: key,
        message: `${key} is suffixed with target '${suffix}', but the entity has no ${ANNOTATION_TARGETS}; add '${ANNOTATION_TARGETS}: ${suffix}' or use ${base} without a suffix`,
      });
    } else if (!targetNames.includes(suffix)) {
      errors.push({
        target: suffix,
        annotation: key,
        message: `${key} names target '${suffix}', which ${ANNOTATION_TARGETS} ('${annotations[
          ANNOTATION_TARGETS
        ].trim()}') does not list; add it there or fix the suffix`,
      });
    }
  }
}

function readTarget(
  annotations: Record<string, string>,
  target: string,
  suffixed: boolean,
  options: ParseGitopsAnnotationsOptions,
  errors: GitopsAnnotationError[],
): GitopsTarget | undefined {
  const where = suffixed ? ` for target '${target}'` : '';
  const get = (base: string): { key: string; value: string } | undefined => {
    if (suffixed) {
      const key = `${base}.${target}`;
      const value = annotations[key];
      if (value !== undefined) return { key, value: value.trim() };
    }
    const value = annotations[base];
    return value === undefined ? undefined : { key: base, value: value.trim() };
  };
  const fail = (annotation: string, message: string) =>
    errors.push({ ...(suffixed ? { target } : {}), annotation, message });

  const cluster = get(ANNOTATION_CLUSTER);
  if (!cluster || !cluster.value) {
    fail(
      suffixed ? `${ANNOTATION_CLUSTER}.${target}` : ANNOTATION_CLUSTER,
      `No cluster${where}: set ${ANNOTATION_CLUSTER}${
        suffixed ? ` or ${ANNOTATION_CLUSTER}.${target}` : ''
      } to a cluster name from gitops.clusters`,
    );
  } else if (options.clusters && !options.clusters.includes(cluster.value)) {
    fail(
      cluster.key,
      `${cluster.key} names cluster '${
        cluster.value
      }'${where}, which Mooring does not know; known clusters: ${
        options.clusters.length
          ? options.clusters.map(c => `'${c}'`).join(', ')
          : 'none (configure gitops.clusters or gitops.kubeconfig)'
      }`,
    );
  }

  const path = get(ANNOTATION_PATH);
  if (!path || !path.value) {
    fail(
      suffixed ? `${ANNOTATION_PATH}.${target}` : ANNOTATION_PATH,
      `No path${where}: set ${ANNOTATION_PATH}${
        suffixed ? ` or ${ANNOTATION_PATH}.${target}` : ''
      } to the folder in the repository that holds the manifests, e.g. 'deploy/prod'`,
    );
  } else if (
    path.value.startsWith('/') ||
    path.value.split('/').some(segment => segment === '..')
  ) {
    fail(
      path.key,
      `${path.key} is '${path.value}'; it must be a folder inside the repository, relative to its root and without '..'`,
    );
  }

  const namespace = get(ANNOTATION_NAMESPACE);
  if (namespace && !DNS_LABEL.test(namespace.value)) {
    fail(
      namespace.key,
      `${namespace.key} is '${namespace.value}', which is not a valid namespace name; use lower-case letters, digits and '-'`,
    );
  }

  const repoUrl = readRepo(annotations, get(ANNOTATION_REPO));
  if (!repoUrl) {
    fail(
      ANNOTATION_REPO,
      `No Git repository${where}: set ${ANNOTATION_REPO} to the repository's clone URL (or give the entity a ${ANNOTATION_SOURCE_LOCATION})`,
    );
  } else {
    const problem = options.checkRepo?.(repoUrl.url);
    if (problem) {
      fail(repoUrl.key, `${repoUrl.key}${where}: ${problem}`);
    }
  }

  const sync = get(ANNOTATION_SYNC);
  if (sync && sync.value !== 'manual' && sync.value !== 'auto') {
    fail(sync.key, `${sync.key} is '${sync.value}'; use 'manual' or 'auto'`);
  }

  const readFlag = (base: string): boolean => {
    const flag = get(base);
    if (!flag) return false;
    if (flag.value !== 'true' && flag.value !== 'false') {
      fail(flag.key, `${flag.key} is '${flag.value}'; use 'true' or 'false'`);
      return false;
    }
    return flag.value === 'true';
  };
  const prune = readFlag(ANNOTATION_PRUNE);
  const selfHeal = readFlag(ANNOTATION_SELF_HEAL);
  const pruneOnRemove = readFlag(ANNOTATION_PRUNE_ON_REMOVE);

  const helmValues = get(ANNOTATION_HELM_VALUES);
  const valuesFiles = (helmValues?.value ?? '')
    .split(',')
    .map(file => file.trim())
    .filter(Boolean);
  for (const file of valuesFiles) {
    if (
      file.startsWith('/') ||
      file.includes('\\') ||
      file.split('/').some(segment => segment === '..')
    ) {
      fail(
        helmValues!.key,
        `${
          helmValues!.key
        } lists '${file}'; values files must be relative to the chart folder, inside the repository and without '..'`,
      );
    }
  }
  const helmRelease = get(ANNOTATION_HELM_RELEASE);
  if (
    helmRelease &&
    (helmRelease.value.length > 53 ||
      !HELM_RELEASE_NAME.test(helmRelease.value))
  ) {
    fail(
      helmRelease.key,
      `${helmRelease.key} is '${helmRelease.value}', which Helm does not accept as a release name; use at most 53 lower-case letters, digits, '-' and '.'`,
    );
  }

  const ignoreDifferences = readIgnoreDifferences(
    get(ANNOTATION_IGNORE_DIFFERENCES),
    where,
    fail,
  );

  if (errors.length > 0 || !cluster || !path || !repoUrl) {
    return undefined;
  }
  return {
    target,
    cluster: cluster.value,
    path: normalizePath(path.value),
    namespace: namespace?.value ?? 'default',
    repoUrl: repoUrl.url,
    revision: get(ANNOTATION_REVISION)?.value ?? repoUrl.revision ?? '',
    sync: (sync?.value as SyncPolicy | undefined) ?? 'manual',
    prune,
    selfHeal,
    pruneOnRemove,
    ...(helmValues || helmRelease
      ? {
          helm: {
            valuesFiles,
            ...(helmRelease ? { releaseName: helmRelease.value } : {}),
          },
        }
      : {}),
    ...(ignoreDifferences ? { ignoreDifferences } : {}),
  };
}

/** The rules of `mooring.dev/ignore-differences`; each problem is an error of the annotation. */
function readIgnoreDifferences(
  annotation: { key: string; value: string } | undefined,
  where: string,
  fail: (annotation: string, message: string) => void,
): IgnoreDifferenceRule[] | undefined {
  if (!annotation) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(annotation.value);
  } catch (error) {
    fail(
      annotation.key,
      `${annotation.key}${where} is not valid JSON (${
        (error as Error).message
      }); write a list such as [{"group":"apps","kind":"Deployment","jsonPointers":["/spec/replicas"]}]`,
    );
    return undefined;
  }
  const { rules, problems } = readIgnoreDifferenceRules(value);
  for (const problem of problems) {
    fail(annotation.key, `${annotation.key}${where}: ${problem}`);
  }
  return problems.length ? undefined : rules;
}

/**
 * The repo from `mooring.dev/repo`, else from `backstage.io/source-location`
 * (`url:https://host/org/repo/tree/<branch>/…` gives the repo and branch).
 */
function readRepo(
  annotations: Record<string, string>,
  repo: { key: string; value: string } | undefined,
): { key: string; url: string; revision?: string } | undefined {
  if (repo) {
    return repo.value ? { key: repo.key, url: repo.value } : undefined;
  }
  const location = annotations[ANNOTATION_SOURCE_LOCATION]?.trim();
  if (!location) return undefined;
  const target = location.replace(/^url:/, '');
  const tree =
    /^(https?:\/\/[^/]+\/.+?)\/(?:-\/)?(?:tree|blob|src\/branch)\/([^/]+)/.exec(
      target,
    );
  if (tree) {
    return {
      key: ANNOTATION_SOURCE_LOCATION,
      url: tree[1],
      revision: tree[2],
    };
  }
  return { key: ANNOTATION_SOURCE_LOCATION, url: target.replace(/\/+$/, '') };
}

function normalizePath(path: string): string {
  const segments = path.split('/').filter(s => s !== '' && s !== '.');
  return segments.length ? segments.join('/') : '.';
}
