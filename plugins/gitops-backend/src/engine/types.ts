import type {
  Application,
  IgnoreDifferenceRule,
  ApplicationDestination,
  ApplicationPolicy,
  ApplicationResource,
  ApplicationSource,
  ResourceChange,
  ResourceDiff,
  SyncRun,
  ResourceRef,
} from '@mooring/plugin-gitops-common';
import type { KubeObject } from '../kube/kubeObject';
import type {
  PodLogRequest,
  ResourceActionRequest,
  ResourceActionResult,
  ResourceManifests,
} from './resourceDetails';

/**
 * What the engine needs to know of one application: where it comes from, where
 * it goes and how. The catalog turns annotations into these; tests write them
 * by hand.
 */
export interface ApplicationSpec {
  /** URL-safe, stable id (see `applicationId`). */
  id: string;
  entityRef: string;
  /**
   * The entity's owner (`spec.owner`): what the platform granted it decides
   * where the application may deploy (`gitops.tenancy`).
   */
  owner?: string;
  target: string;
  source: ApplicationSource & {
    /** From `mooring.dev/helm-values` and `mooring.dev/helm-release`, when the entity sets either. */
    helm?: { valuesFiles: string[]; releaseName?: string };
  };
  destination: ApplicationDestination;
  policy: ApplicationPolicy & {
    /** Delete the application's objects when the application is removed. */
    pruneOnRemove?: boolean;
  };
  /**
   * From `mooring.dev/ignore-differences` (JSON list): fields of live objects
   * that are neither compared nor sent (see `engine/ignoreRules.ts`).
   */
  ignoreDifferences?: IgnoreDifferenceRule[];
}

/** One rule of `mooring.dev/ignore-differences` or `gitops.ignoreDifferences`. */
export type { IgnoreDifferenceRule };

/** Names one object of an application, as a selective sync lists them. */
export interface ObjectSelector {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Options of a sync started by a person, automation or the engine itself. */
export interface SyncOptions {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  /** A user entity ref, or 'auto' / 'webhook' / 'self-heal'. */
  initiatedBy: string;
  /** Selective sync: only these objects; hooks do not run and nothing is pruned. */
  resources?: ObjectSelector[];
  /** The sync is a person's rollback to an earlier run's commit. */
  rollback?: boolean;
}

/** Something the engine tells the outside world (notifications, signals). */
export type EngineEvent =
  | { type: 'status'; application: Application }
  /**
   * A sync (not a dry run) resolved its commit and starts applying it;
   * `run.commit` names the commit. Emitted by the replica that runs it.
   */
  | {
      type: 'syncStarted';
      application: Application;
      run: SyncRun;
      options: SyncOptions;
    }
  /**
   * A sync ended, whatever its phase, and the application was compared
   * again; `application.status` is the state right after it.
   */
  | {
      type: 'syncFinished';
      application: Application;
      run: SyncRun;
      options: SyncOptions;
    }
  | { type: 'syncFailed'; application: Application; run: SyncRun }
  | { type: 'driftDetected'; application: Application }
  | { type: 'driftResolved'; application: Application }
  /** An automatic sync (auto, webhook or self-heal) ended; `run` says how. */
  | { type: 'automaticSync'; application: Application; run: SyncRun }
  /**
   * The objects of a removed application were deleted (`pruneOnRemove`):
   * `changes` lists them; `error` says what could not be deleted.
   */
  | {
      type: 'removedApplicationPruned';
      application: Application;
      changes: ResourceChange[];
      error?: string;
    };

/** Who pauses or resumes an application's automation, and why. */
export interface AutomationChange {
  /** A user entity ref (or a service). */
  by: string;
  reason?: string;
}

/**
 * The GitOps agent as the REST API, actions and catalog wiring use it.
 * Errors are `@backstage/errors` types: `NotFoundError` for an unknown id,
 * `ConflictError` when a sync is already running, `InputError` for bad input.
 */
export interface GitopsEngine {
  /** Replace the whole set of applications (the catalog calls this on every change). */
  setApplications(specs: ApplicationSpec[]): Promise<void>;
  listApplications(): Promise<Application[]>;
  getApplication(id: string): Promise<Application>;
  getResources(id: string): Promise<ApplicationResource[]>;
  getDiff(id: string): Promise<ResourceDiff[]>;
  getHistory(id: string, options?: { limit?: number }): Promise<SyncRun[]>;
  /**
   * Starts a sync and returns its run (phase `Running`) without waiting; a
   * dry run returns when done. `ConflictError` when a sync window refuses
   * manual syncs now (dry runs are always allowed).
   */
  sync(id: string, options: SyncOptions): Promise<SyncRun>;
  /**
   * Re-applies the revision of a past successful run, and pins the
   * application there: automation leaves newer commits alone until resumed.
   */
  rollback(id: string, runId: string, initiatedBy: string): Promise<SyncRun>;
  /**
   * Pauses auto-sync and self-heal of the application (on every replica,
   * over restarts) until resumed; manual syncs still run.
   */
  suspend(id: string, change: AutomationChange): Promise<Application>;
  /**
   * Resumes auto-sync and self-heal: clears a suspension and the pin a
   * rollback left, then reconciles, so the newest commit syncs when the
   * policy says so.
   */
  resume(id: string, change: AutomationChange): Promise<Application>;
  /**
   * Stops the running sync, on whichever replica runs it; it ends Failed,
   * saying who terminated it. `ConflictError` when no sync runs.
   */
  terminate(id: string, by: string): Promise<SyncRun>;
  /** Re-reads Git and the cluster now; resolves once reconciled. */
  refresh(id: string): Promise<Application>;
  /**
   * A push landed: one fetch of the repository, then every application that
   * follows it (and the branch, when given) is reconciled, those whose
   * folder the pushed commits changed first; the automatic syncs
   * this causes are recorded as started by `initiatedBy` (default 'auto').
   */
  refreshRepo(
    repoUrl: string,
    options?: { branch?: string; initiatedBy?: 'auto' | 'webhook' },
  ): Promise<Application[]>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  /**
   * One object of the application (rendered, in its inventory, or a live
   * child): its live and desired manifests, Secret values masked; any other
   * object is a `NotFoundError`.
   */
  getManifests(id: string, resource: ResourceRef): Promise<ResourceManifests>;
  /** The Kubernetes events of one object of the application and of its children, oldest first. */
  getEvents(id: string, resource: ResourceRef): Promise<KubeObject[]>;
  /** The log of a pod the application's objects own. */
  getPodLog(id: string, request: PodLogRequest): Promise<string>;
  /** Restarts or scales one of the application's workloads, recorded as a run. */
  runResourceAction(
    id: string,
    request: ResourceActionRequest,
  ): Promise<ResourceActionResult>;
}
