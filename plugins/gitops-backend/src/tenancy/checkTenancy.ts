import type { ResourceRef } from '@mooring/plugin-gitops-common';
import { KubeObject, splitApiVersion } from '../kube/kubeObject';
import {
  clusterAllowed,
  clusterResourceAllowed,
  Grant,
  grantedClusters,
  grantedSummary,
  namespaceAllowed,
} from './grantFor';
import { reasonList } from './reasonList';

/** Whether a kind lives in namespaces, as the cluster's discovery says. */
export type ObjectScope = 'Namespaced' | 'Cluster';

export interface CheckTenancyInput {
  /**
   * Every object the sync would write or delete: the rendered objects and
   * the prune candidates.
   */
  objects: KubeObject[];
  grant: Grant;
  cluster: string;
  destinationNamespace: string;
  /**
   * The scope of a kind from the cluster's discovery; `undefined` when the
   * cluster does not serve the kind (yet).
   */
  scopeOf(apiVersion: string, kind: string): ObjectScope | undefined;
  /**
   * Objects (`SkipDryRunOnMissingResource=true`) whose kind, not served yet,
   * is admitted as namespaced when their namespace is granted; the sync
   * checks the kind's scope again before it applies them, and refuses them
   * if the kind turns out cluster-scoped.
   */
  deferUnknown?: (object: KubeObject) => boolean;
}

/** One thing the grant does not allow. */
export interface TenancyViolation {
  /**
   * The object refused, with the namespace it would land in (empty for a
   * cluster-scoped object); absent when the application itself is refused
   * (its cluster is not granted).
   */
  object?: ResourceRef;
  /** A sentence for people, e.g. `ConfigMap settings is in namespace kube-system, …`. */
  reason: string;
}

export interface TenancyCheck {
  violations: TenancyViolation[];
  /** For the run and the app status when anything is refused; `undefined` when all is allowed. */
  message?: string;
}

/**
 * Judges everything a sync would touch against the owner's grant, before
 * anything is written. One violation refuses the whole sync.
 *
 * - The cluster must be granted; if not, that is the only violation.
 * - A namespaced object lands in its `metadata.namespace`, else the
 *   destination namespace; that namespace must be granted.
 * - A cluster-scoped object (a `metadata.namespace` on it is ignored, as the
 *   API server ignores it) needs its kind in `clusterResources`, except a
 *   Namespace whose name is a granted namespace.
 * - The scope comes from the cluster's discovery, else from a
 *   CustomResourceDefinition in the same objects (it is applied first). A
 *   kind known to neither is allowed only when it would be allowed either
 *   way: its namespace granted *and* its kind granted as cluster-scoped.
 *   Guessing "namespaced" would let a cluster-scoped custom resource through
 *   once its CRD appears; such an object cannot be applied before its kind
 *   is served anyway.
 */
export function checkTenancy(input: CheckTenancyInput): TenancyCheck {
  const { grant, cluster } = input;
  if (!clusterAllowed(grant, cluster)) {
    // Namespaces and kinds are granted per cluster: name the clusters only.
    return refused(
      [{ reason: `${grant.owner} may not deploy to cluster ${cluster}` }],
      grantedClusters(grant),
    );
  }
  const declaredScopes = scopesDeclaredByCrds(input.objects);
  const violations: TenancyViolation[] = [];
  for (const object of input.objects) {
    const violation = judge(object, input, declaredScopes);
    if (violation) violations.push(violation);
  }
  return violations.length
    ? refused(violations, grantedSummary(grant))
    : { violations };
}

function judge(
  object: KubeObject,
  input: CheckTenancyInput,
  declaredScopes: Map<string, ObjectScope>,
): TenancyViolation | undefined {
  const { grant, destinationNamespace } = input;
  const { group, version } = splitApiVersion(object.apiVersion);
  const { kind } = object;
  const name = object.metadata.name;
  const explicitNamespace = object.metadata.namespace || undefined;
  const namespace = explicitNamespace ?? destinationNamespace;
  const scope =
    input.scopeOf(object.apiVersion, kind) ??
    declaredScopes.get(`${group}/${kind}`);
  const ref = (ns: string): ResourceRef => ({
    group,
    version,
    kind,
    namespace: ns,
    name,
  });
  const where =
    explicitNamespace && explicitNamespace !== destinationNamespace
      ? ' (its metadata.namespace)'
      : '';

  if (scope === 'Namespaced') {
    if (namespaceAllowed(grant, namespace)) return undefined;
    return {
      object: ref(namespace),
      reason: `${kind} ${name} is in namespace ${namespace}${where}, which is not granted to ${grant.owner}`,
    };
  }

  if (scope === 'Cluster') {
    if (clusterResourceAllowed(grant, group, kind)) return undefined;
    if (group === '' && kind === 'Namespace') {
      if (namespaceAllowed(grant, name)) return undefined;
      return {
        object: ref(''),
        reason: `Namespace ${name} is not a namespace granted to ${
          grant.owner
        }, and ${clusterKindsInWords(grant)}`,
      };
    }
    return {
      object: ref(''),
      reason: `${kind} ${name} is cluster-scoped and ${clusterKindsInWords(
        grant,
      )}`,
    };
  }

  if (
    namespaceAllowed(grant, namespace) &&
    (clusterResourceAllowed(grant, group, kind) || input.deferUnknown?.(object))
  ) {
    return undefined;
  }
  return {
    object: ref(explicitNamespace ?? ''),
    reason: `${kind} ${name} (${object.apiVersion}) is of a kind cluster ${input.cluster} does not serve and no CustomResourceDefinition of this application declares, so whether it is cluster-scoped is unknown; add its CustomResourceDefinition to the cluster first`,
  };
}

function clusterKindsInWords(grant: Grant): string {
  return grant.clusterResources.length
    ? `${
        grant.owner
      } may manage only the cluster-scoped kinds ${grant.clusterResources.join(
        ', ',
      )}`
    : `${grant.owner} may manage no cluster-scoped kinds`;
}

/** `group/Kind` → scope, from the CustomResourceDefinitions among the objects. */
function scopesDeclaredByCrds(objects: KubeObject[]): Map<string, ObjectScope> {
  const scopes = new Map<string, ObjectScope>();
  for (const object of objects) {
    if (
      object.kind !== 'CustomResourceDefinition' ||
      splitApiVersion(object.apiVersion).group !== 'apiextensions.k8s.io'
    ) {
      continue;
    }
    const spec = object.spec as
      | { group?: unknown; scope?: unknown; names?: { kind?: unknown } }
      | undefined;
    const group = spec?.group;
    const kind = spec?.names?.kind;
    const scope = spec?.scope;
    if (
      typeof group === 'string' &&
      typeof kind === 'string' &&
      (scope === 'Namespaced' || scope === 'Cluster')
    ) {
      scopes.set(`${group}/${kind}`, scope);
    }
  }
  return scopes;
}

function refused(
  violations: TenancyViolation[],
  granted: string,
): TenancyCheck {
  const list = reasonList(violations.map(v => v.reason));
  return {
    violations,
    message: `Refused: ${list} (granted: ${granted}). Nothing was applied.`,
  };
}
