import type {
  ApplicationResource,
  ResourceDiff,
} from '@mooring/plugin-gitops-common';
import type { GitopsHealthCheck } from '@mooring/plugin-gitops-node';
import { sortForApply } from '../apply/syncOrder';
import { resourceDiff } from '../diff/resourceDiff';
import type { LiveCache } from '../kube/ClusterCache';
import type { ClusterClient } from '../kube/ClusterClient';
import { objectKey } from '../kube/kubeObject';
import { childKindsOf, liveChildren } from '../kube/liveChildren';
import type { ApplicationState } from './ApplicationRegistry';
import type { PlanAuthorization } from './authorizePlan';
import { liveFrom, planSync } from './planSync';
import type { IgnoreDifferenceRule } from './types';

/**
 * The application's resources with the live ReplicaSets, Pods and Jobs that
 * controllers made from them, for the resource tree.
 */
export async function readResources(
  state: ApplicationState,
  cache: LiveCache | undefined,
  healthChecks: GitopsHealthCheck[],
): Promise<ApplicationResource[]> {
  // Controllers' objects are looked up under the application's own objects
  // only, never under one its owner's grant refuses.
  const roots = state.resources.filter(r => !state.refused.has(objectKey(r)));
  const kinds = childKindsOf(roots);
  if (!cache || kinds.length === 0) return state.resources;
  // Controllers' objects are watched from the first time someone looks at an
  // application that has them.
  // In each namespace the application's objects live in (a view through a
  // service account watches per namespace).
  const namespaces = [...new Set(roots.map(r => r.namespace).filter(Boolean))];
  const watched = await Promise.allSettled(
    kinds.flatMap(([apiVersion, kind]) =>
      (namespaces.length ? namespaces : [undefined]).map(namespace =>
        cache.watch(apiVersion, kind, namespace),
      ),
    ),
  );
  if (watched.some(r => r.status === 'rejected')) return state.resources;
  return [
    ...state.resources,
    ...liveChildren(
      roots,
      (apiVersion, kind) => cache.list(apiVersion, kind),
      healthChecks,
    ),
  ];
}

/**
 * The live diff: every object the plan would create or change, as the API
 * server would make it, and every object a prune would delete. Reads the
 * state, never changes it.
 */
export async function readDiff(
  state: ApplicationState,
  cluster:
    | {
        client: ClusterClient;
        cache: LiveCache;
        authorization: PlanAuthorization;
      }
    | undefined,
  /** The application's ignore rules (see `ignoreRulesFor`). */
  ignoreDifferences: readonly IgnoreDifferenceRule[] = [],
): Promise<ResourceDiff[]> {
  const { rendered } = state;
  if (!rendered || !cluster) return [];
  const { cache, client, authorization } = cluster;
  const plan = await planSync({
    applicationId: state.spec.id,
    rendered,
    inventory: state.inventory ?? [],
    previous: state.comparisons,
    live: liveFrom(cache),
    dryRun: object => client.apply(object, { dryRun: true }),
    dryRunMissing: true,
    recordFailures: true,
    authorization,
    ignoreDifferences,
  });
  // By the rendered object: the planned one may be without ignored fields.
  const byObject = new Map(
    plan.objects.map((p, i) => [rendered.objects[i], p]),
  );
  const diffs: ResourceDiff[] = [];
  for (const object of sortForApply(rendered.objects)) {
    const planned = byObject.get(object)!;
    if (planned.action === 'unchanged') continue;
    // Where the API server refuses the object (e.g. its namespace does not
    // exist yet), or the owner's grant does, the manifest itself is shown.
    const diff = resourceDiff(planned.live, planned.expected ?? object);
    if (diff) diffs.push(diff);
  }
  for (const { live } of plan.stale) {
    const diff = resourceDiff(live, undefined);
    if (diff) diffs.push(diff);
  }
  return diffs;
}
