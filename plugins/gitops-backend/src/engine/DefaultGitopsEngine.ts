import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  Application,
  ApplicationResource,
  ResourceDiff,
  ResourceRef,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import pLimit from 'p-limit';
import { KubeObject, trackedApplicationId } from '../kube/kubeObject';
import { ApplicationRegistry, ApplicationState } from './ApplicationRegistry';
import { ClusterAccess } from './ClusterAccess';
import {
  StatusFacts,
  applicationOf,
  applicationStatus,
  statusEvents,
} from './applicationStatus';
import { readDiff, readResources } from './applicationViews';
import {
  DefaultGitopsEngineOptions,
  EngineContext,
  errorMessage,
} from './engineContext';

export type { DefaultGitopsEngineOptions };

import { ignoreRulesFor } from './ignoreRules';
import {
  PodLogRequest,
  ResourceActionRequest,
  readEvents,
  readManifests,
  readPodLog,
  runResourceAction,
} from './resourceDetails';
import { previewSync } from './previewSync';
import { pruneRemovedApplication } from './pruneRemovedApplication';
import { RunRecorder } from './RunRecorder';
import { startSyncRun, syncApplication } from './syncApplication';
import {
  NewCommitInitiator,
  reconcileApplication,
  recordComparison,
  syncByPolicy,
} from './reconcileApplication';
import type {
  ApplicationSpec,
  EngineEvent,
  GitopsEngine,
  SyncOptions,
} from './types';

/**
 * The GitOps agent: for each application it resolves the source, renders it,
 * compares it with the cluster (watch-fed cache, server-side dry run), syncs
 * when the policy says so, and records every run. The work is done by the
 * parts this composes: the registry, `renderRevision`, `compareApplication`
 * over `planSync`, `syncApplication` over `applyPlan`, the run recorder,
 * `applicationStatus` and `syncPolicy`.
 */
export class DefaultGitopsEngine implements GitopsEngine {
  private readonly registry = new ApplicationRegistry();
  private readonly clusters: ClusterAccess;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly recorder: RunRecorder;
  private readonly context: EngineContext;
  private stopped = false;
  private started = false;

  constructor(private readonly options: DefaultGitopsEngineOptions) {
    this.recorder = new RunRecorder(options.store, {
      logger: options.logger,
      leaseTtlMs: options.leaseTtlMs ?? 60_000,
      maxRunsPerApplication: options.maxRunsPerApplication,
    });
    this.clusters = new ClusterAccess({
      clients: options.clusters,
      logger: options.logger,
      tenancy: options.tenancy,
      onLiveChange: object => this.onLiveChange(object),
    });
    this.context = {
      logger: options.logger,
      store: options.store,
      git: options.git,
      renderers: options.renderers,
      renderLimits: options.renderLimits,
      healthChecks: options.healthChecks,
      recorder: this.recorder,
      applyConcurrency: options.applyConcurrency ?? 8,
      syncTimeouts: {
        waveMs: options.syncTimeouts?.waveMs ?? 5 * 60_000,
        totalMs: options.syncTimeouts?.totalMs ?? 30 * 60_000,
      },
      ignoreDifferences: options.ignoreDifferences ?? [],
      cluster: (name, impersonate) => this.clusters.cluster(name, impersonate),
      clusterFor: state => this.clusters.clusterFor(state.spec),
      update: (state, facts) => this.update(state, facts),
      emit: event => this.emit(event),
      toApplication: state => this.toApplication(state),
      loadInventory: (state, reload) => this.loadInventory(state, reload),
      compare: state => recordComparison(this.context, state),
    };
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.recorder.endAbandonedRuns();
    await this.options.scheduler?.scheduleTask({
      id: 'gitops-reconcile',
      frequency: this.options.interval,
      timeout: { minutes: 30 },
      initialDelay: { seconds: 5 },
      // Every replica compares with its own watch caches; leases in the
      // database make sure only one of them syncs an application at a time.
      scope: 'local',
      fn: () => this.reconcileAll(),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const states = this.registry.all();
    for (const state of states) clearTimeout(state.evaluateTimer);
    await Promise.allSettled(states.map(s => s.queue));
    await this.clusters.stop();
  }

  /** Requests sent to all clusters so far (for the benchmark). */
  apiRequestCount(): number {
    return this.clusters.requestCount();
  }

  // ------------------------------------------------------------ public API

  async setApplications(specs: ApplicationSpec[]): Promise<void> {
    const { changed, removed } = this.registry.replace(specs);
    await this.clusters.retainViews(specs);
    for (const state of removed.filter(s => s.spec.policy.pruneOnRemove)) {
      this.registry
        .enqueue(state, () => pruneRemovedApplication(this.context, state))
        .catch(error =>
          this.options.logger.warn(
            `Could not delete the objects of removed application ${
              state.spec.id
            }: ${errorMessage(error)}`,
          ),
        );
    }
    if (!this.started || this.stopped) return;
    for (const state of changed) {
      this.reconcile(state.spec.id).catch(error =>
        this.options.logger.warn(
          `Reconciling ${state.spec.id} failed: ${errorMessage(error)}`,
        ),
      );
    }
  }

  async listApplications(): Promise<Application[]> {
    return this.registry.all().map(state => this.toApplication(state));
  }

  async getApplication(id: string): Promise<Application> {
    return this.toApplication(this.registry.get(id));
  }

  async getResources(id: string): Promise<ApplicationResource[]> {
    const state = this.registry.get(id);
    return readResources(
      state,
      this.clusters.cacheOf(state.spec.destination.cluster)
        ? this.clusters.clusterFor(state.spec).cache
        : undefined,
      this.options.healthChecks,
    );
  }

  async getDiff(id: string): Promise<ResourceDiff[]> {
    const state = this.registry.get(id);
    const configured = this.clusters.cacheOf(state.spec.destination.cluster);
    return readDiff(
      state,
      configured ? this.clusters.clusterFor(state.spec) : undefined,
      ignoreRulesFor(this.context, state.spec),
    );
  }

  async getHistory(
    id: string,
    options: { limit?: number } = {},
  ): Promise<SyncRun[]> {
    this.registry.get(id);
    return this.recorder.history(id, options.limit);
  }

  async sync(id: string, options: SyncOptions): Promise<SyncRun> {
    const state = this.registry.get(id);
    if (options.dryRun) {
      return this.registry.enqueue(state, () =>
        previewSync(this.context, state, options),
      );
    }
    return this.beginSync(state, options);
  }

  async rollback(
    id: string,
    runId: string,
    initiatedBy: string,
  ): Promise<SyncRun> {
    const state = this.registry.get(id);
    const run = await this.recorder.getRun(id, runId);
    if (!run) {
      throw new NotFoundError(`Application ${id} has no run ${runId}`);
    }
    if (run.phase !== 'Succeeded' || run.dryRun || !run.commit.sha) {
      throw new InputError(
        `Run ${runId} did not apply a commit successfully; roll back to a successful run`,
      );
    }
    state.automation.pinnedFrom = state.facts.targetRevision;
    return this.beginSync(state, { revision: run.commit.sha, initiatedBy });
  }

  async refresh(id: string): Promise<Application> {
    await this.reconcile(id, { fresh: true });
    return this.getApplication(id);
  }

  async refreshRepo(
    repoUrl: string,
    options: { branch?: string; initiatedBy?: NewCommitInitiator } = {},
  ): Promise<Application[]> {
    const matching = this.registry.following(repoUrl, options.branch);
    // One ls-remote per repository; every application then resolves from it.
    const urls = new Set(matching.map(state => state.spec.source.repoUrl));
    await Promise.all(
      [...urls].map(url => this.options.git.listRemote(url).catch(() => {})),
    );
    const limit = pLimit(this.options.concurrency);
    await Promise.all(
      matching.map(state =>
        limit(() =>
          this.reconcile(state.spec.id, {
            initiatedBy: options.initiatedBy,
          }).catch(() => undefined),
        ),
      ),
    );
    return matching.map(state => this.toApplication(state));
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getManifests(id: string, resource: ResourceRef) {
    return readManifests(this.context, this.registry.get(id), resource);
  }

  getEvents(id: string, resource: ResourceRef) {
    return readEvents(this.context, this.registry.get(id), resource);
  }

  getPodLog(id: string, request: PodLogRequest) {
    return readPodLog(this.context, this.registry.get(id), request);
  }

  runResourceAction(id: string, request: ResourceActionRequest) {
    return runResourceAction(this.context, this.registry.get(id), request);
  }

  // ------------------------------------------------------------- reconcile

  /** Reconciles every application, `concurrency` at a time; one ls-remote per repository. */
  async reconcileAll(): Promise<void> {
    if (this.stopped) return;
    await this.recorder
      .endAbandonedRuns()
      .catch(error =>
        this.options.logger.warn(
          `Could not end abandoned runs: ${errorMessage(error)}`,
        ),
      );
    const limit = pLimit(this.options.concurrency);
    const states = this.registry.all();
    const repos = new Set(states.map(s => s.spec.source.repoUrl));
    await Promise.all(
      [...repos].map(repo =>
        limit(() => this.options.git.listRemote(repo).catch(() => {})),
      ),
    );
    await Promise.all(
      states.map(state =>
        limit(() =>
          this.reconcile(state.spec.id).catch(error =>
            this.options.logger.warn(
              `Reconciling ${state.spec.id} failed: ${errorMessage(error)}`,
            ),
          ),
        ),
      ),
    );
  }

  /** Reconciles one application now, after any work queued on it. */
  async reconcile(
    id: string,
    options: { fresh?: boolean; initiatedBy?: NewCommitInitiator } = {},
  ): Promise<void> {
    const state = this.registry.get(id);
    await this.registry.enqueue(state, async () => {
      if (state.removed || this.stopped) return;
      await reconcileApplication(this.context, state, options);
    });
  }

  // ------------------------------------------------------------------ sync

  /** Starts a sync from outside the queue: the run is recorded before this returns. */
  private async beginSync(
    state: ApplicationState,
    options: SyncOptions,
  ): Promise<SyncRun> {
    if (state.syncing) {
      throw new ConflictError(
        `Application ${state.spec.id} is already syncing (run ${state.syncing.id})`,
      );
    }
    const run = await startSyncRun(this.context, state, options);
    if (!run) {
      throw new ConflictError(
        `Application ${state.spec.id} is being synced by another backend replica; try again when it is done`,
      );
    }
    this.registry
      .enqueue(state, () => syncApplication(this.context, state, run, options))
      .catch(() => undefined);
    return { ...run };
  }

  // --------------------------------------------------------------- helpers

  /** A live change to an object an application tracks: compare that application again soon. */
  private onLiveChange(object: KubeObject) {
    const id = trackedApplicationId(object);
    const state = id ? this.registry.find(id) : undefined;
    if (!state || state.syncing || state.evaluateTimer || this.stopped) return;
    state.evaluateTimer = setTimeout(() => {
      state.evaluateTimer = undefined;
      this.registry
        .enqueue(state, async () => {
          if (state.removed || !state.rendered) return;
          if (await recordComparison(this.context, state)) {
            await syncByPolicy(this.context, state, 'auto');
          }
        })
        .catch(() => undefined);
    }, this.options.liveChangeDebounceMs ?? 20);
  }

  /** Reads the inventory (and last synced commit) from the database, once or when `reload`. */
  private async loadInventory(state: ApplicationState, reload = false) {
    if (state.inventory && !reload) return state.inventory;
    const stored = await this.options.store.getInventory(state.spec.id);
    state.inventory = stored?.entries ?? [];
    if (
      stored?.syncedRevision &&
      stored.syncedRevision !== state.facts.syncedRevision
    ) {
      this.update(state, { syncedRevision: stored.syncedRevision });
    }
    return state.inventory;
  }

  /** Records new facts; the status follows, and listeners hear of visible changes. */
  private update(state: ApplicationState, facts: Partial<StatusFacts>) {
    const before = applicationStatus(state.facts);
    state.facts = {
      ...state.facts,
      ...facts,
      ...('comparison' in facts || 'problem' in facts
        ? { reconciledAt: new Date().toISOString() }
        : {}),
    };
    const application = this.toApplication(state);
    statusEvents(before, application.status, application).forEach(event =>
      this.emit(event),
    );
  }

  private emit(event: EngineEvent) {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.options.logger.warn(
          `An engine listener failed: ${errorMessage(error)}`,
        );
      }
    }
  }

  private toApplication(state: ApplicationState): Application {
    return applicationOf(state.spec, state.facts);
  }
}
