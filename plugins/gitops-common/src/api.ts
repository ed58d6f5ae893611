import type { HealthStatus, OperationPhase, SyncStatus } from './status';

/** Types of the REST API at `/api/gitops` (see the contract in DESIGN.md). */

/** @public */
export type SyncPolicy = 'manual' | 'auto';

/** @public */
export interface ApplicationSource {
  repoUrl: string;
  path: string;
  /** Branch, tag or commit as asked for; empty means the remote's default branch. */
  revision: string;
}

/** @public */
export interface ApplicationDestination {
  cluster: string;
  namespace: string;
}

/** @public */
export interface ApplicationPolicy {
  sync: SyncPolicy;
  prune: boolean;
  selfHeal: boolean;
}

/** @public */
export interface Operation {
  id: string;
  /** The run this operation records (see history). */
  runId: string;
  phase: OperationPhase;
  revision: string;
  initiatedBy: string;
  startedAt: string;
  finishedAt?: string;
  message: string;
  dryRun: boolean;
  prune: boolean;
  /** Objects done so far and in all, for progress. */
  progress?: { done: number; total: number };
  changes?: ResourceChange[];
}

/** @public */
export interface ApplicationStatus {
  sync: SyncStatus;
  health: HealthStatus;
  /** Commit SHA last applied, if any. */
  syncedRevision?: string;
  /** Commit SHA the source currently resolves to, if known. */
  targetRevision?: string;
  /** ISO time of the last reconcile. */
  reconciledAt?: string;
  /** A human sentence on the state or the last error; empty when all is well. */
  message: string;
  /** The running or last operation. */
  operation?: Operation;
}

/** @public */
export interface Application {
  /** URL-safe and stable: derived from the entity ref and target. */
  id: string;
  entityRef: string;
  target: string;
  source: ApplicationSource;
  destination: ApplicationDestination;
  policy: ApplicationPolicy;
  status: ApplicationStatus;
}

/** @public */
export interface ResourceRef {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}

/** @public */
export interface ApplicationResource extends ResourceRef {
  sync: SyncStatus;
  health: HealthStatus;
  healthMessage: string;
  /** Owner of this object inside the tree (e.g. Pod → ReplicaSet), for live children. */
  parent?: { kind: string; namespace: string; name: string };
}

/** @public */
export interface ResourceDiff {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  /** Unified diff text, live (---) against desired (+++); Secret values masked. */
  diff: string;
}

/** @public */
export type ChangeAction =
  | 'created'
  | 'configured'
  | 'unchanged'
  | 'deleted'
  | 'failed';

/** @public */
export interface ResourceChange {
  kind: string;
  namespace: string;
  name: string;
  action: ChangeAction;
  /** Why it failed, when it did. */
  message?: string;
}

/** @public */
export interface CommitInfo {
  sha: string;
  author: string;
  message: string;
  date: string;
}

/** @public */
export interface SyncRun {
  id: string;
  revision: string;
  commit: CommitInfo;
  startedAt: string;
  finishedAt?: string;
  phase: OperationPhase;
  /** A user entity ref, or 'auto' / 'webhook' / 'self-heal'. */
  initiatedBy: string;
  message: string;
  dryRun?: boolean;
  changes: ResourceChange[];
}

/** @public Body of `POST /applications/:id/sync`. */
export interface SyncRequest {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
}

/** @public Body of `POST /applications/:id/rollback`. */
export interface RollbackRequest {
  runId: string;
}

/** @public */
export interface ListResponse<T> {
  items: T[];
}

/** @public An annotation error of one entity, as the API reports it. */
export interface EntityAnnotationError {
  entityRef: string;
  /** The target it concerns, when it concerns one. */
  target?: string;
  /** The annotation at fault, e.g. `mooring.dev/cluster.prod`. */
  annotation: string;
  message: string;
}

/**
 * @public Body of `GET /applications`: the applications the caller may read and,
 * for the entities among them (or the `entityRef` asked for), their annotation errors.
 */
export interface ApplicationListResponse extends ListResponse<Application> {
  errors: EntityAnnotationError[];
}
