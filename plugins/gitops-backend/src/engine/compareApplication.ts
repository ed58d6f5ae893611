import { ignoresExtraneous, liveSyncOptions } from '../apply/syncAnnotations';
import {
  ApplicationResource,
  HealthStatus,
  worstHealth,
} from '@mooring/plugin-gitops-common';
import type { GitopsHealthCheck } from '@mooring/plugin-gitops-node';
import type { Inventory } from '../apply/inventory';
import { healthSummary } from '../health/healthSummary';
import { objectHealth } from '../health/objectHealth';
import type { LiveCache } from '../kube/ClusterCache';
import type { ClusterClient } from '../kube/ClusterClient';
import { resourceRef } from '../kube/kubeObject';
import { clusterAllowed } from '../tenancy';
import {
  Comparison,
  SyncPlan,
  liveFrom,
  planSync,
  refOfEntry,
} from './planSync';
import type { PlanAuthorization } from './authorizePlan';
import type { RenderedRevision } from './renderRevision';
import type { ApplicationSpec, IgnoreDifferenceRule } from './types';

/** An application compared with its cluster: a value, nothing is written. */
export interface ApplicationComparison {
  plan: SyncPlan;
  resources: ApplicationResource[];
  synced: boolean;
  health: HealthStatus;
  message: string;
  /** Why a sync of this plan is refused; see `authorizePlan`. */
  refusal?: string;
}

/**
 * What one comparison was made of. While all of it stays the same (the
 * application's spec, its rendered objects, its inventory and the live
 * version of every object either names), so does the comparison: after a
 * push, the many applications it did not touch are not planned again.
 */
export interface ComparisonInputs {
  spec: ApplicationSpec;
  objects: RenderedRevision['objects'];
  hooks: RenderedRevision['hooks'];
  /** Each object's live `resourceVersion` (or `-`), then each inventory entry and its own. */
  live: string;
}

/** The inputs of a comparison of `rendered` with the live objects in `cache`. */
export function comparisonInputs(
  spec: ApplicationSpec,
  rendered: RenderedRevision,
  inventory: Inventory,
  cache: LiveCache,
): ComparisonInputs {
  const versionOf = (
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string | undefined,
  ): string => {
    if (!name) return '-';
    const live = cache.get(apiVersion, kind, namespace, name);
    return String(live?.metadata.resourceVersion ?? '-');
  };
  const parts: string[] = [];
  for (const { apiVersion, kind, metadata } of [
    ...rendered.objects,
    ...(rendered.hooks ?? []),
  ]) {
    parts.push(versionOf(apiVersion, kind, metadata.namespace, metadata.name));
  }
  for (const entry of inventory) {
    const ref = refOfEntry(entry);
    parts.push(
      `${ref.apiVersion}/${entry.kind}/${entry.namespace}/${entry.name}`,
      versionOf(ref.apiVersion, ref.kind, ref.metadata.namespace, entry.name),
    );
  }
  return {
    spec,
    objects: rendered.objects,
    hooks: rendered.hooks,
    live: parts.join('\n'),
  };
}

/**
 * The comparison made of the same inputs, when it may stand for a new one:
 * only one with nothing refused, deferred or failed (those depend on what
 * the cluster's discovery says, which the inputs do not hold).
 */
export function reusableComparison(
  last:
    | { inputs: ComparisonInputs; comparison: ApplicationComparison }
    | undefined,
  inputs: ComparisonInputs,
): ApplicationComparison | undefined {
  if (!last) return undefined;
  const { inputs: was, comparison } = last;
  if (
    was.spec !== inputs.spec ||
    was.objects !== inputs.objects ||
    was.hooks !== inputs.hooks ||
    was.live !== inputs.live
  ) {
    return undefined;
  }
  const { plan } = comparison;
  if (
    comparison.refusal ||
    plan.deferred?.length ||
    plan.objects.some(p => p.refused || p.action === 'failed')
  ) {
    return undefined;
  }
  return comparison;
}

function errorMessage(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

/**
 * Makes sure the cache watches every kind the application renders or still
 * tracks. A kind that is not served yet (its CRD is in this very application)
 * is fine; a cluster that cannot be reached is not.
 */
export async function watchKinds(
  cache: LiveCache,
  refs: Iterable<{
    apiVersion: string;
    kind: string;
    metadata?: { namespace?: string };
  }>,
): Promise<void> {
  const kinds = new Map<string, [string, string, string | undefined]>();
  for (const { apiVersion, kind, metadata } of refs) {
    const namespace = metadata?.namespace;
    kinds.set(`${apiVersion}/${kind}/${namespace ?? ''}`, [
      apiVersion,
      kind,
      namespace,
    ]);
  }
  const watched = await Promise.allSettled(
    [...kinds.values()].map(([apiVersion, kind, namespace]) =>
      cache.watch(apiVersion, kind, namespace),
    ),
  );
  const unwatched = watched.find(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (unwatched && !/does not serve/.test(errorMessage(unwatched.reason))) {
    throw unwatched.reason;
  }
}

/**
 * Compares an application's rendered objects with the live ones through the
 * watch cache, and assesses their health. Costs no API call when neither Git
 * nor the cluster changed since `previous`. Throws when the cluster cannot be
 * read.
 */
export async function compareApplication(input: {
  applicationId: string;
  rendered: RenderedRevision;
  inventory: Inventory;
  previous: ReadonlyMap<string, Comparison>;
  cache: LiveCache;
  client: ClusterClient;
  healthChecks: GitopsHealthCheck[];
  authorization?: PlanAuthorization;
  /** The application's ignore rules (see `ignoreRulesFor`). */
  ignoreDifferences?: readonly IgnoreDifferenceRule[];
  /** The caller has made sure every kind is watched (`watchKinds`). */
  watched?: boolean;
}): Promise<ApplicationComparison> {
  const { cache, client, rendered, healthChecks } = input;
  const { authorization } = input;
  const mayUseCluster =
    !authorization ||
    clusterAllowed(authorization.grant, authorization.cluster);
  if (mayUseCluster && !input.watched) {
    await watchKinds(cache, [
      ...rendered.objects,
      ...input.inventory.map(refOfEntry),
    ]);
  }
  const plan = await planSync({
    applicationId: input.applicationId,
    rendered,
    inventory: input.inventory,
    previous: input.previous,
    live: liveFrom(cache),
    dryRun: object => client.apply(object, { dryRun: true }),
    authorization: input.authorization,
    ignoreDifferences: input.ignoreDifferences,
  });

  const resources: ApplicationResource[] = plan.objects.map(planned => {
    const health = planned.refused
      ? { status: 'Unknown' as const, message: `Refused: ${planned.refused}` }
      : objectHealth(planned.live, healthChecks);
    return {
      ...resourceRef(planned.object),
      sync: planned.action === 'unchanged' ? 'Synced' : 'OutOfSync',
      health: health.status,
      healthMessage: health.message,
    };
  });
  // An object the grant refuses was never applied: it says nothing of how
  // healthy what runs is (the refusal itself is the status message).
  const health = worstHealth(
    resources.filter((_, i) => !plan.objects[i].refused).map(r => r.health),
  );
  for (const { entry, live } of plan.stale) {
    // `IgnoreExtraneous`: left Git, and does not make the application OutOfSync.
    const extraneousIgnored = ignoresExtraneous(live);
    const options = liveSyncOptions(live);
    resources.push({
      ...entry,
      sync: extraneousIgnored ? 'Synced' : 'OutOfSync',
      health: objectHealth(live, healthChecks).status,
      healthMessage: staleMessage(options.noPrune, extraneousIgnored),
    });
  }
  resources.sort((a, b) =>
    `${a.kind}/${a.namespace}/${a.name}`.localeCompare(
      `${b.kind}/${b.namespace}/${b.name}`,
    ),
  );
  const outOfSync = resources.filter(r => r.sync === 'OutOfSync').length;
  return {
    plan,
    resources,
    refusal: plan.refusal,
    synced: outOfSync === 0,
    health,
    message:
      outOfSync === 0
        ? healthSummary(resources, health)
        : `${outOfSync} of ${resources.length} resources out of sync`,
  };
}

function staleMessage(noPrune: boolean, extraneousIgnored: boolean): string {
  if (noPrune) {
    return 'No longer in Git; left in place by the next sync (Prune=false)';
  }
  if (extraneousIgnored) {
    return 'No longer in Git (IgnoreExtraneous); pruned on the next sync with prune';
  }
  return 'No longer in Git; pruned on the next sync with prune';
}
