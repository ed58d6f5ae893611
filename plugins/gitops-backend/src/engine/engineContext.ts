import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import type { HumanDuration } from '@backstage/types';
import type { Application } from '@mooring/plugin-gitops-common';
import type {
  GitopsHealthCheck,
  GitopsRenderer,
} from '@mooring/plugin-gitops-node';
import type { Inventory } from '../apply/inventory';
import type { ClusterCache, LiveCache } from '../kube/ClusterCache';
import type { KubeObject } from '../kube/kubeObject';
import type { ClusterClient } from '../kube/ClusterClient';
import type { GitSource } from '../source/GitSource';
import type { GitopsStore } from '../store/GitopsStore';
import type { RenderLimits } from '../render/renderLimits';
import { TenancyRule, clusterAllowed } from '../tenancy';
import type { ApplicationState } from './ApplicationRegistry';
import type { PlanAuthorization } from './authorizePlan';
import type { StatusFacts } from './applicationStatus';
import type { ReconcileRetries } from './ReconcileRetries';
import type { RunRecorder } from './RunRecorder';
import type { EngineEvent, IgnoreDifferenceRule } from './types';

/** What the default engine is built from (see createGitopsEngine). */
export interface DefaultGitopsEngineOptions {
  logger: LoggerService;
  store: GitopsStore;
  git: GitSource;
  clusters: Map<string, ClusterClient>;
  renderers: GitopsRenderer[];
  healthChecks: GitopsHealthCheck[];
  scheduler?: SchedulerService;
  interval: HumanDuration;
  concurrency: number;
  maxRunsPerApplication: number;
  /** How long a sync lease lasts without renewal; a crashed replica's runs end after it. */
  leaseTtlMs?: number;
  /** Objects applied in parallel within one step. */
  applyConcurrency?: number;
  /** Delay between a live change and the re-comparison it triggers. */
  liveChangeDebounceMs?: number;
  /**
   * `gitops.clusterUnreachableAfter`: how long an application's cluster may
   * fail to answer (retried all the while) before its sync and health turn
   * Unknown. Default 60 s.
   */
  clusterUnreachableAfterMs?: number;
  /**
   * `gitops.tenancy.rules`; undefined without `gitops.tenancy`, when every
   * application gets the default grant (its own namespace only).
   */
  tenancy?: TenancyRule[];
  /** `gitops.limits`: what one render may read and produce. */
  renderLimits?: RenderLimits;
  /** `gitops.sync.waveTimeout` and `gitops.sync.timeout` (see `SyncTimeouts`). */
  syncTimeouts?: Partial<SyncTimeouts>;
  /** `gitops.ignoreDifferences`: rules for every application, before its own. */
  ignoreDifferences?: IgnoreDifferenceRule[];
}

/** How long a sync waits. */
export interface SyncTimeouts {
  /** For one wave (or hook) to become Healthy before the sync fails. */
  waveMs: number;
  /** For the whole sync, hooks and waves included. */
  totalMs: number;
}

/** A sync failure with the phase it ends the run in. */
export class SyncStageError extends Error {
  constructor(readonly phase: 'Failed' | 'Error', message: string) {
    super(message);
  }
}

export function errorMessage(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

/** What the engine's parts (sync, preview, views) get from the engine. */
export interface EngineContext {
  logger: LoggerService;
  store: GitopsStore;
  git: GitSource;
  renderers: GitopsRenderer[];
  /** `gitops.limits`: what one render may read and produce. */
  renderLimits?: RenderLimits;
  healthChecks: GitopsHealthCheck[];
  recorder: RunRecorder;
  applyConcurrency: number;
  syncTimeouts: SyncTimeouts;
  /** `gitops.ignoreDifferences`: rules for every application, before its own. */
  ignoreDifferences: IgnoreDifferenceRule[];
  /**
   * The client and watch cache of a configured cluster; throws a
   * `SyncStageError` for others. The client impersonates `impersonate` when given.
   */
  cluster(
    name: string,
    impersonate?: string,
  ): { client: ClusterClient; cache: ClusterCache };
  /**
   * The application's cluster as its owner may use it: the client
   * impersonates the grant's service account, if any, and the authorization
   * is what `planSync` judges the plan against.
   */
  clusterFor(state: ApplicationState): {
    client: ClusterClient;
    /** The live objects as the application may read them. */
    cache: LiveCache;
    authorization: PlanAuthorization;
    /** Every live object Mooring watches in a namespace of this cluster. */
    objectsIn(namespace: string): KubeObject[];
  };
  /** Records new facts of an application; its status follows from them. */
  update(state: ApplicationState, facts: Partial<StatusFacts>): void;
  emit(event: EngineEvent): void;
  toApplication(state: ApplicationState): Application;
  /** The application's inventory from the database (once, or again with `reload`). */
  loadInventory(state: ApplicationState, reload?: boolean): Promise<Inventory>;
  /** Compares the application with its cluster and records the outcome; false on failure. */
  compare(state: ApplicationState): Promise<boolean>;
  /** Looks at applications again soon after a fault or a busy lease. */
  retries: ReconcileRetries;
  /** How long a cluster may fail to answer before its applications are Unknown. */
  clusterUnreachableAfterMs: number;
}

/**
 * How to ask the application's cluster for a kind's scope, when the owner
 * may use that cluster at all (else the cluster is not asked anything).
 */
export function scopeFor(
  ctx: EngineContext,
  state: ApplicationState,
): PlanAuthorization['scopeOf'] | undefined {
  let authorization: PlanAuthorization;
  try {
    authorization = ctx.clusterFor(state).authorization;
  } catch {
    return undefined;
  }
  return clusterAllowed(authorization.grant, authorization.cluster)
    ? authorization.scopeOf
    : undefined;
}
