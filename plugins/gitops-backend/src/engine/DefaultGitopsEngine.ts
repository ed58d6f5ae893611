import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { HumanDuration } from '@backstage/types';
import type {
  Application,
  ApplicationResource,
  ResourceDiff,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type {
  GitopsHealthCheck,
  GitopsRenderer,
} from '@mooring/plugin-gitops-node';
import pLimit from 'p-limit';
import { inventoryOf } from '../apply/inventory';
import { ClusterCache } from '../kube/ClusterCache';
import type { ClusterClient } from '../kube/ClusterClient';
import { sameObject } from '../diff/normalize';
import {
  KubeObject,
  keyOfObject,
  trackedApplicationId,
} from '../kube/kubeObject';
import type { GitSource } from '../source/GitSource';
import type { GitopsStore } from '../store/GitopsStore';
import { ApplicationRegistry, ApplicationState } from './ApplicationRegistry';
import {
  StatusFacts,
  applicationStatus,
  statusEvents,
} from './applicationStatus';
import { readDiff, readResources } from './applicationViews';
import { compareApplication } from './compareApplication';
import { EngineContext, SyncStageError, errorMessage } from './engineContext';
import { previewSync } from './previewSync';
import { pruneRemovedApplication } from './pruneRemovedApplication';
import { renderRevision } from './renderRevision';
import { RunRecorder } from './RunRecorder';
import { runOperation, syncApplication } from './syncApplication';
import { automaticSyncDue, recordSelfHeal } from './syncPolicy';
import type {
  ApplicationSpec,
  EngineEvent,
  GitopsEngine,
  SyncOptions,
} from './types';

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
}

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
  private readonly caches = new Map<string, ClusterCache>();
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
    for (const [name, client] of options.clusters) {
      const onChange = (_: unknown, object: KubeObject) =>
        this.onLiveChange(object);
      this.caches.set(name, new ClusterCache(client, options.logger, onChange));
    }
    this.context = {
      logger: options.logger,
      store: options.store,
      git: options.git,
      renderers: options.renderers,
      healthChecks: options.healthChecks,
      recorder: this.recorder,
      applyConcurrency: options.applyConcurrency ?? 8,
      cluster: name => this.cluster(name),
      update: (state, facts) => this.update(state, facts),
      emit: event => this.emit(event),
      toApplication: state => this.toApplication(state),
      loadInventory: (state, reload) => this.loadInventory(state, reload),
      compare: state => this.compare(state),
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
    await Promise.all([...this.caches.values()].map(cache => cache.stop()));
  }

  /** Requests sent to all clusters so far (for the benchmark). */
  apiRequestCount(): number {
    let total = 0;
    for (const client of this.options.clusters.values()) {
      total += client.requestCount;
    }
    return total;
  }

  // ------------------------------------------------------------ public API

  async setApplications(specs: ApplicationSpec[]): Promise<void> {
    const { changed, removed } = this.registry.replace(specs);
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
      this.caches.get(state.spec.destination.cluster),
      this.options.healthChecks,
    );
  }

  async getDiff(id: string): Promise<ResourceDiff[]> {
    const state = this.registry.get(id);
    const name = state.spec.destination.cluster;
    return readDiff(
      state,
      this.caches.has(name) ? this.cluster(name) : undefined,
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
    options: { branch?: string; initiatedBy?: 'auto' | 'webhook' } = {},
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

  /**
   * One application, top to bottom: resolve the source, render, compare with
   * the cluster, then sync when the policy says so.
   */
  async reconcile(
    id: string,
    options: { fresh?: boolean; initiatedBy?: 'auto' | 'webhook' } = {},
  ): Promise<void> {
    const state = this.registry.get(id);
    await this.registry.enqueue(state, async () => {
      if (state.removed || this.stopped) return;
      const { spec } = state;
      // 1. Source: which commit does the revision point at now?
      let sha: string;
      try {
        sha = await this.options.git.resolve(
          spec.source.repoUrl,
          spec.source.revision,
          { maxAgeMs: options.fresh ? 0 : 10_000 },
        );
      } catch (error) {
        this.update(state, {
          problem: { message: `Git: ${errorMessage(error)}` },
        });
        return;
      }
      this.update(state, { targetRevision: sha });
      // 2. Render that commit (once per commit).
      try {
        state.rendered = await renderRevision(
          this.options,
          spec,
          sha,
          state.rendered,
        );
      } catch (error) {
        this.update(state, {
          problem: {
            message: `Rendering ${spec.source.path} at ${sha.slice(
              0,
              7,
            )} failed: ${errorMessage(error)}`,
          },
        });
        return;
      }
      // 3. Compare with the cluster.
      if (!(await this.compare(state))) return;
      // 4. Sync when the policy asks for it.
      await this.syncByPolicy(state, options.initiatedBy ?? 'auto');
    });
  }

  /** Starts the automatic sync the policy asks for, if any, inside the queue. */
  private async syncByPolicy(
    state: ApplicationState,
    newCommitBy: 'auto' | 'webhook',
  ) {
    if (state.syncing) return;
    const now = Date.now();
    const due = automaticSyncDue(
      state.spec,
      this.status(state),
      state.automation,
      now,
    );
    if (!due) return;
    if (due === 'self-heal') recordSelfHeal(state.automation, now);
    const initiatedBy = due === 'auto' ? newCommitBy : 'self-heal';
    try {
      const run = await this.startRun(state, { initiatedBy }, due);
      if (run) await syncApplication(this.context, state, run, { initiatedBy });
    } catch (error) {
      this.options.logger.warn(
        `Sync of ${state.spec.id} failed: ${errorMessage(error)}`,
      );
    }
  }

  /**
   * Compares the application with its cluster and records the outcome: the
   * comparison, or the problem that prevented it. Returns false on failure.
   */
  private async compare(state: ApplicationState): Promise<boolean> {
    const { spec, rendered } = state;
    if (!rendered) return false;
    const name = spec.destination.cluster;
    if (!this.caches.has(name)) {
      this.update(state, {
        problem: {
          message: `Cluster "${name}" is not configured; add it to gitops.clusters`,
          healthUnknown: true,
        },
      });
      return false;
    }
    try {
      const { cache, client } = this.cluster(name);
      const comparison = await compareApplication({
        applicationId: spec.id,
        rendered,
        inventory: await this.loadInventory(state),
        previous: state.comparisons,
        cache,
        client,
        healthChecks: this.options.healthChecks,
      });
      for (const [key, value] of comparison.plan.comparisons) {
        state.comparisons.set(key, value);
      }
      state.resources = comparison.resources;
      state.stale = comparison.plan.stale;
      if (
        comparison.synced &&
        !state.syncing &&
        rendered.sha === state.facts.targetRevision &&
        rendered.sha !== state.facts.syncedRevision
      ) {
        // The cluster already equals this commit (it touched nothing of this
        // application): it is synced without a run.
        state.inventory = inventoryOf(rendered.objects);
        await this.options.store.saveInventory(spec.id, {
          cluster: name,
          entries: state.inventory,
          syncedRevision: rendered.sha,
        });
        this.update(state, { syncedRevision: rendered.sha });
      }
      this.update(state, {
        problem: undefined,
        comparison: {
          synced: comparison.synced,
          health: comparison.health,
          message: comparison.message,
        },
      });
      return true;
    } catch (error) {
      this.update(state, {
        problem: {
          message: `Cluster ${name}: ${errorMessage(error)}`,
          healthUnknown: true,
        },
      });
      return false;
    }
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
    const run = await this.startRun(state, options);
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

  /**
   * Takes the lease and records the run; undefined when another replica
   * holds it or, for an automatic sync, has done the work since.
   */
  private async startRun(
    state: ApplicationState,
    options: SyncOptions,
    automatic?: 'auto' | 'self-heal',
  ): Promise<SyncRun | undefined> {
    if (state.syncing) return undefined;
    const run = await this.recorder.begin(
      state.spec.id,
      { ...options, defaultRevision: state.spec.source.revision },
      automatic && (() => this.stillNeeded(state, automatic)),
    );
    if (!run) return undefined;
    state.syncing = run;
    this.update(state, { operation: runOperation(state.spec, run, options) });
    return run;
  }

  /**
   * Whether an automatic sync is still needed once the lease is ours: another
   * replica may have done it since this one looked.
   */
  private async stillNeeded(
    state: ApplicationState,
    reason: 'auto' | 'self-heal',
  ): Promise<boolean> {
    await this.loadInventory(state, true);
    const { facts } = state;
    if (reason === 'auto') return facts.targetRevision !== facts.syncedRevision;
    const client = this.options.clusters.get(state.spec.destination.cluster);
    if (!client || !state.rendered) return false;
    for (const object of state.rendered.objects) {
      const comparison = state.comparisons.get(keyOfObject(object));
      if (comparison?.inSync) continue;
      const live = await client.get(object);
      if (
        !live ||
        !comparison?.expected ||
        !sameObject(live, comparison.expected)
      ) {
        return true;
      }
    }
    return state.stale.length > 0;
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
          if (await this.compare(state)) await this.syncByPolicy(state, 'auto');
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

  private cluster(name: string) {
    const client = this.options.clusters.get(name);
    const cache = this.caches.get(name);
    if (!client || !cache) {
      throw new SyncStageError(
        'Error',
        `Cluster "${name}" is not configured; add it to gitops.clusters`,
      );
    }
    return { client, cache };
  }

  private status(state: ApplicationState) {
    return applicationStatus(state.facts);
  }

  /** Records new facts; the status follows, and listeners hear of visible changes. */
  private update(state: ApplicationState, facts: Partial<StatusFacts>) {
    const before = this.status(state);
    state.facts = {
      ...state.facts,
      ...facts,
      ...('comparison' in facts || 'problem' in facts
        ? { reconciledAt: new Date().toISOString() }
        : {}),
    };
    const events = statusEvents(
      before,
      this.status(state),
      this.toApplication(state),
    );
    events.forEach(event => this.emit(event));
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
    const { spec } = state;
    return {
      id: spec.id,
      entityRef: spec.entityRef,
      target: spec.target,
      source: { ...spec.source },
      destination: { ...spec.destination },
      policy: {
        sync: spec.policy.sync,
        prune: spec.policy.prune,
        selfHeal: spec.policy.selfHeal,
      },
      status: this.status(state),
    };
  }
}
