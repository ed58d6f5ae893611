import type { Application } from '@mooring/plugin-gitops-common';

/**
 * Names one object of an application, as the manifests, events and actions endpoints
 * take it.
 * @public
 */
export interface ResourceIdentity {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

/**
 * An object's manifests as YAML, Secret values masked; `null` (or absent) where the
 * object is not in the cluster (live) or not in Git (desired, e.g. a Pod).
 * @public
 */
export interface ResourceManifests {
  live?: string | null;
  desired?: string | null;
}

/**
 * The fields of a Kubernetes Event (core/v1) the page shows.
 * @public
 */
export interface KubernetesEvent {
  metadata: { name: string; namespace?: string; uid?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject: { kind?: string; namespace?: string; name?: string };
}

/**
 * Which pod's (and container's) log to read.
 * @public
 */
export interface LogsRequest {
  namespace: string;
  pod: string;
  container?: string;
  tailLines?: number;
}

/**
 * An action on one object: `restart` (as `kubectl rollout restart`) or `scale`.
 * @public
 */
export interface ResourceActionRequest {
  action: 'restart' | 'scale';
  resource: ResourceIdentity;
  /** The number of replicas, for `scale`. */
  replicas?: number;
}

/**
 * Filters and paging of the fleet listing; empty values are not sent.
 * @public
 */
export interface ApplicationQuery {
  cluster?: string;
  namespace?: string;
  /** An owner entity ref, e.g. `group:default/team-a`. */
  owner?: string;
  sync?: string;
  health?: string;
  /** Free text over entity ref, target, cluster and namespace. */
  q?: string;
  limit?: number;
  cursor?: string;
}

/**
 * One page of the fleet listing; `nextCursor` is absent on the last page.
 * @public
 */
export interface ApplicationPage {
  items: Application[];
  nextCursor?: string;
}
