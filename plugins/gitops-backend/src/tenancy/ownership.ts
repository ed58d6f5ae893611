import { DEFAULT_TARGET } from '@mooring/plugin-gitops-common';
import type { ResourceRef } from '@mooring/plugin-gitops-common';
import {
  describeObject,
  isTrackedBy,
  KubeObject,
  resourceRef,
  trackedApplicationId,
} from '../kube/kubeObject';
import { reasonList } from './reasonList';

/** A desired object that already lives in the cluster as another application's. */
export interface OwnershipConflict {
  /** The object, as it lives in the cluster. */
  object: ResourceRef;
  /**
   * The id of the application whose tracking id the live object carries;
   * undefined for a platform guardrail that exists without Mooring.
   */
  ownerApplicationId?: string;
  /** A sentence for people naming the other application. */
  reason: string;
}

export interface OwnershipCheck {
  conflicts: OwnershipConflict[];
  /** Live objects without a tracking id that the sync takes over, to record as `adopted`. */
  adopted: ResourceRef[];
  /** For the run and the app status when there are conflicts. */
  message?: string;
}

export interface CheckOwnershipInput {
  applicationId: string;
  /** The objects the sync would apply. */
  desired: KubeObject[];
  /** The live object of a desired one, if it exists. */
  live(object: KubeObject): KubeObject | undefined;
}

/**
 * Kinds a platform puts into a team's namespace to fence it in. One that
 * exists without a tracking id is the platform's: never taken over, or a
 * team could lift its own quota or network policy by declaring it in Git.
 */
const GUARDRAIL_KINDS = new Set([
  '/ResourceQuota',
  '/LimitRange',
  'networking.k8s.io/NetworkPolicy',
  'rbac.authorization.k8s.io/Role',
  'rbac.authorization.k8s.io/RoleBinding',
]);

/**
 * No takeover: a desired object that lives in the cluster with another
 * application's `mooring.dev/tracking-id` is a conflict, and any conflict
 * refuses the sync (server-side apply with force would otherwise re-stamp it
 * and the other application would lose it). An unmanaged live object (no
 * tracking id) is adopted, as Argo CD does; the tenancy check has already
 * decided that the application may write where it lives.
 */
export function checkOwnership(input: CheckOwnershipInput): OwnershipCheck {
  const conflicts: OwnershipConflict[] = [];
  const adopted: ResourceRef[] = [];
  for (const object of input.desired) {
    const live = input.live(object);
    if (!live) continue;
    const owner = trackedApplicationId(live);
    if (owner === undefined) {
      const ref = resourceRef(live);
      if (GUARDRAIL_KINDS.has(`${ref.group}/${ref.kind}`)) {
        conflicts.push({
          object: ref,
          reason: `${describeObject(
            ref,
          )} exists and is not managed by Mooring; quotas, limit ranges, network policies and RBAC the platform put there are never taken over`,
        });
      } else {
        adopted.push(ref);
      }
    } else if (owner !== input.applicationId) {
      const ref = resourceRef(live);
      conflicts.push({
        object: ref,
        ownerApplicationId: owner,
        reason: `${describeObject(
          ref,
        )} belongs to application ${describeApplication(owner)}`,
      });
    }
  }
  if (!conflicts.length) return { conflicts, adopted };
  const list = reasonList(conflicts.map(c => c.reason));
  return {
    conflicts,
    adopted,
    message: conflicts.some(c => c.ownerApplicationId)
      ? `Refused: ${list}. Mooring never takes over another application's objects: remove ${
          conflicts.length === 1 ? 'it' : 'them'
        } from one of the two applications. Nothing was applied.`
      : `Refused: ${list}. Remove ${
          conflicts.length === 1 ? 'it' : 'them'
        } from Git, or ask the platform team. Nothing was applied.`,
  };
}

/** One object of the application's inventory; `uid` when the inventory records it. */
export interface PrunableEntry {
  uid?: string;
}

export type PruneDecision = { prune: true } | { prune: false; reason: string };

/**
 * No foreign prune: an object left Git may be deleted only while its live
 * tracking id is still this application's for this very object, and, when
 * the inventory recorded the uid this application created or adopted, while
 * the live object is that same object (one deleted and re-created by someone
 * else is not).
 */
export function prunable(input: {
  applicationId: string;
  entry: PrunableEntry;
  live: KubeObject | undefined;
}): PruneDecision {
  const { applicationId, entry, live } = input;
  if (!live) return { prune: false, reason: 'it no longer exists' };
  const what = describeObject(resourceRef(live));
  if (!isTrackedBy(applicationId, live)) {
    return { prune: false, reason: whyNotTracked(applicationId, live) };
  }
  const liveUid = live.metadata.uid;
  if (entry.uid && liveUid !== entry.uid) {
    return {
      prune: false,
      reason: `${what} was deleted and re-created (uid ${String(
        liveUid,
      )}, not ${entry.uid}); Mooring deletes only the object it applied`,
    };
  }
  return { prune: true };
}

function whyNotTracked(applicationId: string, live: KubeObject): string {
  const what = describeObject(resourceRef(live));
  const owner = trackedApplicationId(live);
  if (owner === undefined) {
    return `${what} no longer carries a Mooring tracking id; someone else manages it now`;
  }
  if (owner === applicationId) {
    return `${what} carries a tracking id of this application made for another object`;
  }
  return `${what} belongs to application ${describeApplication(owner)}`;
}

/** `component~default~payments~prod` → `component:default/payments (target prod)`. */
function describeApplication(id: string): string {
  const parts = id.split('~');
  if (parts.length !== 4) return id;
  const [kind, namespace, name, target] = parts;
  const ref = `${kind}:${namespace}/${name}`;
  return target === DEFAULT_TARGET ? ref : `${ref} (target ${target})`;
}
