import crypto from 'node:crypto';
import { InputError, NotFoundError } from '@backstage/errors';
import type {
  ApplicationResource,
  ResourceRef,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import { stringify } from 'yaml';
import { maskSecretPair } from '../diff/maskSecrets';
import { ClusterError } from '../kube/ClusterClient';
import {
  KubeObject,
  describeObject,
  keyOfObject,
  objectKey,
} from '../kube/kubeObject';
import type { ApplicationState } from './ApplicationRegistry';
import { readResources } from './applicationViews';
import { EngineContext, errorMessage } from './engineContext';

/** The field manager of people's restarts and scales, apart from Git's `mooring`. */
export const ACTIONS_FIELD_MANAGER = 'mooring-actions';

/** The annotation `kubectl rollout restart` sets on the pod template. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** The kinds each action applies to (all in group `apps`). */
const RESTARTABLE = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);
export const MAX_REPLICAS = 1000;

/** The object's live and desired manifests as YAML; null where there is none. */
export interface ResourceManifests {
  live: string | null;
  desired: string | null;
}

export interface PodLogRequest {
  namespace: string;
  pod: string;
  container?: string;
  tailLines?: number;
  sinceSeconds?: number;
}

export interface ResourceActionRequest {
  action: 'restart' | 'scale';
  resource: ResourceRef;
  replicas?: number;
  /** Who asked (a user entity ref): the run in the history is theirs. */
  initiatedBy: string;
}

export interface ResourceActionResult {
  run: SyncRun;
  /**
   * Git sets `spec.replicas` of the scaled object: the new count is drift,
   * and self-heal (or the next sync) puts Git's back.
   */
  gitSetsReplicas: boolean;
}

/** How an object belongs to the application. */
interface Membership {
  /** Rendered from Git (its desired manifest), when it is. */
  desired?: KubeObject;
  /** The application's objects and their live children, for finding descendants. */
  tree: ApplicationResource[];
}

function apiVersionOf(ref: { group: string; version: string }): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/**
 * Finds the object among those the application manages (rendered from Git,
 * or in its inventory) and those they own through `ownerReferences`; any
 * other object is not found, whatever the cluster holds.
 */
async function membershipOf(
  ctx: EngineContext,
  state: ApplicationState,
  ref: ResourceRef,
): Promise<Membership> {
  const key = objectKey(ref);
  const refused = (k: string) => state.refused.has(k);
  const desired = state.rendered?.objects.find(
    o => keyOfObject(o) === key && !refused(key),
  );
  const inInventory = (state.inventory ?? []).some(e => objectKey(e) === key);
  const { cache } = ctx.clusterFor(state);
  const tree = await readResources(state, cache, ctx.healthChecks);
  const inTree = tree.some(r => objectKey(r) === key && !refused(key));
  if (!desired && !inInventory && !inTree) {
    throw new NotFoundError(
      `${describeObject(ref)} is not an object of this application`,
    );
  }
  return { desired, tree };
}

/** The object and every live object it owns, transitively (Deployment → ReplicaSets → Pods). */
function withDescendants(
  ref: ResourceRef,
  tree: ApplicationResource[],
): Array<{ kind: string; namespace: string; name: string }> {
  const found = [{ kind: ref.kind, namespace: ref.namespace, name: ref.name }];
  for (let i = 0; i < found.length; i++) {
    const parent = found[i];
    for (const r of tree) {
      if (
        r.parent &&
        r.parent.kind === parent.kind &&
        r.parent.namespace === parent.namespace &&
        r.parent.name === parent.name &&
        !found.some(f => f.kind === r.kind && f.name === r.name)
      ) {
        found.push({ kind: r.kind, namespace: r.namespace, name: r.name });
      }
    }
  }
  return found;
}

/** Cluster errors a person can fix (bad container, pod not started) as input errors. */
function asInputError(error: unknown): never {
  const code = (error as ClusterError)?.code;
  if (code === 400 || code === 422) throw new InputError(errorMessage(error));
  if (code === 404) throw new NotFoundError(errorMessage(error));
  throw error;
}

function withoutManagedFields(object: KubeObject): KubeObject {
  const metadata = { ...object.metadata };
  delete (metadata as any).managedFields;
  return { ...object, metadata };
}

/** The live object (managedFields removed) and the desired one, Secret values masked. */
export function manifestsOf(
  live: KubeObject | undefined,
  desired: KubeObject | undefined,
): ResourceManifests {
  const masked = maskSecretPair(
    live && withoutManagedFields(live),
    desired && withoutManagedFields(desired),
  );
  return {
    live: masked.live ? stringify(masked.live) : null,
    desired: masked.desired ? stringify(masked.desired) : null,
  };
}

export async function readManifests(
  ctx: EngineContext,
  state: ApplicationState,
  ref: ResourceRef,
): Promise<ResourceManifests> {
  const { desired } = await membershipOf(ctx, state, ref);
  const live = await ctx.clusterFor(state).client.get({
    apiVersion: apiVersionOf(ref),
    kind: ref.kind,
    metadata: {
      name: ref.name,
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
    },
  });
  return manifestsOf(live, desired);
}

/** When an event last happened, in ms (client-node gives Dates, JSON gives strings). */
function eventTime(event: KubeObject): number {
  const e = event as any;
  const value =
    e.lastTimestamp ??
    e.series?.lastObservedTime ??
    e.eventTime ??
    e.firstTimestamp ??
    e.metadata?.creationTimestamp;
  if (value instanceof Date) return value.getTime();
  const ms = Date.parse(String(value ?? ''));
  return Number.isNaN(ms) ? 0 : ms;
}

/** The events of the object and of the objects it owns, oldest first. */
export async function readEvents(
  ctx: EngineContext,
  state: ApplicationState,
  ref: ResourceRef,
): Promise<KubeObject[]> {
  const { tree } = await membershipOf(ctx, state, ref);
  if (!ref.namespace) return [];
  const objects = withDescendants(ref, tree);
  const events = await ctx.clusterFor(state).client.events(ref.namespace);
  return events
    .filter(event => {
      const involved = (event as any).involvedObject ?? {};
      return objects.some(
        o => o.kind === involved.kind && o.name === involved.name,
      );
    })
    .sort((a, b) => eventTime(a) - eventTime(b));
}

/** The log of a pod the application's objects own (or that it manages). */
export async function readPodLog(
  ctx: EngineContext,
  state: ApplicationState,
  request: PodLogRequest,
): Promise<string> {
  await membershipOf(ctx, state, {
    group: '',
    version: 'v1',
    kind: 'Pod',
    namespace: request.namespace,
    name: request.pod,
  });
  return ctx
    .clusterFor(state)
    .client.podLog(request)
    .catch(error => asInputError(error));
}

/**
 * Restarts (as `kubectl rollout restart`: a new pod template annotation) or
 * scales one of the application's workloads, and records it in the
 * application's history as a run by the person who asked.
 */
export async function runResourceAction(
  ctx: EngineContext,
  state: ApplicationState,
  request: ResourceActionRequest,
): Promise<ResourceActionResult> {
  const { action, resource } = request;
  const allowed = action === 'restart' ? RESTARTABLE : SCALABLE;
  if (resource.group !== 'apps' || !allowed.has(resource.kind)) {
    throw new InputError(
      `Cannot ${action} a ${resource.kind}: only ${[...allowed].join(
        ', ',
      )} (group apps) can be ${action === 'restart' ? 'restarted' : 'scaled'}`,
    );
  }
  if (
    action === 'scale' &&
    (!Number.isInteger(request.replicas) ||
      request.replicas! < 0 ||
      request.replicas! > MAX_REPLICAS)
  ) {
    throw new InputError(
      `replicas must be a whole number from 0 to ${MAX_REPLICAS}`,
    );
  }
  const { desired } = await membershipOf(ctx, state, resource);
  const { client } = ctx.clusterFor(state);
  const target = describeObject(resource);
  const startedAt = new Date().toISOString();
  let phase: SyncRun['phase'] = 'Succeeded';
  let message: string;
  let detail: string;
  let failure: unknown;
  try {
    if (action === 'restart') {
      const at = new Date().toISOString();
      await client.strategicPatch(
        {
          apiVersion: apiVersionOf(resource),
          kind: resource.kind,
          metadata: { name: resource.name, namespace: resource.namespace },
        },
        {
          spec: {
            template: {
              metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } },
            },
          },
        },
        ACTIONS_FIELD_MANAGER,
      );
      message = `Restarted ${resource.kind} ${resource.name}`;
      detail = `restarted at ${at}`;
    } else {
      const replicas = await client.scale(
        resource.kind as 'Deployment' | 'StatefulSet' | 'ReplicaSet',
        resource.namespace,
        resource.name,
        request.replicas!,
        ACTIONS_FIELD_MANAGER,
      );
      message = `Scaled ${resource.kind} ${resource.name} to ${replicas}`;
      detail = `scaled to ${replicas} replicas`;
    }
  } catch (error) {
    failure = error;
    phase = 'Failed';
    message = `Could not ${action} ${target}: ${errorMessage(error)}`;
    detail = errorMessage(error);
  }
  const run: SyncRun = {
    id: crypto.randomUUID(),
    revision: state.facts.syncedRevision ?? '',
    commit: { sha: '', author: '', message: '', date: '' },
    startedAt,
    finishedAt: new Date().toISOString(),
    phase,
    initiatedBy: request.initiatedBy,
    message,
    dryRun: false,
    changes: [
      {
        group: resource.group,
        kind: resource.kind,
        namespace: resource.namespace,
        name: resource.name,
        action: phase === 'Succeeded' ? 'configured' : 'failed',
        message: detail,
      },
    ],
  };
  await ctx.recorder.recordFinishedRun(state.spec.id, run);
  // The history changed: listeners (signals) hear of it.
  ctx.emit({ type: 'status', application: ctx.toApplication(state) });
  if (failure) asInputError(failure);
  return {
    run,
    gitSetsReplicas:
      action === 'scale' && (desired as any)?.spec?.replicas !== undefined,
  };
}
