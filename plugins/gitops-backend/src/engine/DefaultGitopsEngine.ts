import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  Application,
  ApplicationResource,
  ResourceDiff,
  ResourceRef,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import { durationToMilliseconds } from '@backstage/types';
import pLimit from 'p-limit';
import type { WatchTransition } from '../kube/ClusterCache';
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
  AutomationContext,
  readSteering,
  refuseManualSyncInWindow,
  showAutomation,
} from './automation';
import {
  DefaultGitopsEngineOptions as EngineOptions,
  errorMessage,
} from './engineContext';
import { SyncWindow, SyncWindows } from './syncWindows';

/** What the default engine is built from (see createGitopsEngine). */
export interface DefaultGitopsEngineOptions extends EngineOptions {
  /** `gitops.syncWindows`: when automation (and manual syncs) may run. */
  syncWindows?: SyncWindow[];
}

import { ignoreRulesFor } from './ignoreRules';
import { runSpread } from './reconcileSpread';
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
import { ReconcileRetries, RetryReason } from './ReconcileRetries';
import { RefreshQueue } from './RefreshQueue';
import { changedByPush } from './changedByPush';
import { RunRecorder } from './RunRecorder';
import type { StoredInventory } from '../store/GitopsStore';
import { startSyncRun, syncApplication } from './syncApplication';
import {
  NewCommitInitiator,
  reconcileApplication,
  recordComparison,
  syncByPolicy,
} from './reconcileApplication';
import type {
  ApplicationSpec,
  AutomationChange,
  EngineEvent,
  GitopsEngine,
  SyncOptions,
} from './types';

/** How long after it ended listings share one read of every application's suspension and pin. */
const STEERING_REUSE_MS = 1000;

interface SteeringRead {
  done: Promise<void>;
  endedAt?: number;
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
  private readonly clusters: ClusterAccess;
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly recorder: RunRecorder;
  private readonly context: AutomationContext;
  private readonly retries = new ReconcileRetries((id, reason) =>
    this.retry(id, reason),
  );
  /** Reconciles pushes ask for, shared by every push (see refreshRepo). */
  private readonly refreshes: RefreshQueue;
  private stopped = false;
  private started = false;

  constructor(private readonly options: DefaultGitopsEngineOptions) {
    this.refreshes = new RefreshQueue(options.concurrency);
    this.recorder = new RunRecorder(options.store, {
      logger: options.logger,
      leaseTtlMs: options.leaseTtlMs ?? 60_000,
      maxRunsPerApplication: options.maxRunsPerApplication,
      onTerminationRequested: (id, by) => this.abortSync(id, by),
    });
    this.clusters = new ClusterAccess({
      clients: options.clusters,
      logger: options.logger,
      tenancy: options.tenancy,
      onLiveChange: object => this.onLiveChange(object),
      onWatchTransition: transition => this.onWatchTransition(transition),
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
      retries: this.retries,
      clusterUnreachableAfterMs: options.clusterUnreachableAfterMs ?? 60_000,
      windows: new SyncWindows(options.syncWindows ?? []),
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
      // Spread over half the interval, so thousands of applications do not
      // all wake at once (webhooks still refresh a pushed repository at once).
      fn: () =>
        this.reconcileAll({
          spreadOverMs: durationToMilliseconds(this.options.interval) / 2,
        }),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const states = this.registry.all();
    this.retries.stop();
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
    for (const state of removed) this.retries.forget(state.spec.id);
    for (const state of removed.filter(s => s.spec.policy.pruneOnRemove)) {
      this.registry
        .enqueue(state, () => pruneRemovedApplication(this.context, state))
        .catch(error => {
          this.options.logger.warn(
            `Could not delete the objects of removed application ${
              state.spec.id
            }: ${errorMessage(error)}`,
          );
          this.emit({
            type: 'removedApplicationPruned',
            application: this.toApplication(state),
            changes: [],
            error: errorMessage(error),
          });
        });
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
    await this.refreshSteering();
    // In id order, so a listing's sort by id finds them sorted.
    return this.registry.sorted().map(state => this.toApplication(state));
  }

  async getApplication(id: string): Promise<Application> {
    const state = this.registry.get(id);
    await readSteering(this.context, state).catch(error =>
      this.options.logger.warn(
        `Could not read the automation of ${id}: ${errorMessage(error)}`,
      ),
    );
    return this.toApplication(state);
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
    refuseManualSyncInWindow(this.context, state);
    const leavesPin = await this.leavesPin(state, options);
    const run = await this.beginSync(state, options);
    if (leavesPin) {
      await this.options.store.unpinRevision(id);
      await readSteering(this.context, state);
    }
    return run;
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
    refuseManualSyncInWindow(this.context, state);
    this.refuseWhileSyncing(state);
    // Pinned before the run starts, so no replica auto-syncs the newer
    // commit back in between; a rollback that cannot start puts it back.
    const { store } = this.options;
    const before = await readSteering(this.context, state);
    await store.pinRevision(id, {
      revision: run.commit.sha,
      ...(state.facts.targetRevision
        ? { from: state.facts.targetRevision }
        : {}),
      by: initiatedBy,
      at: new Date().toISOString(),
    });
    try {
      const started = await this.beginSync(state, {
        revision: run.commit.sha,
        initiatedBy,
        rollback: true,
      });
      await readSteering(this.context, state);
      return started;
    } catch (error) {
      await (before.pin
        ? store.pinRevision(id, before.pin)
        : store.unpinRevision(id)
      ).catch(() => undefined);
      await readSteering(this.context, state).catch(() => undefined);
      throw error;
    }
  }

  async suspend(id: string, change: AutomationChange): Promise<Application> {
    const state = this.registry.get(id);
    await this.options.store.suspendAutomation(id, {
      ...(change.reason ? { reason: change.reason } : {}),
      by: change.by,
      at: new Date().toISOString(),
    });
    await readSteering(this.context, state);
    this.options.logger.info(
      `Automation of ${id} suspended by ${change.by}${
        change.reason ? `: ${change.reason}` : ''
      }`,
    );
    return this.toApplication(state);
  }

  async resume(id: string, change: AutomationChange): Promise<Application> {
    const state = this.registry.get(id);
    await this.options.store.resumeAutomation(id);
    // A fresh start: no back-off left from before the pause.
    Object.assign(state.automation, {
      autoFailures: 0,
      nextAutoAttempt: 0,
      nextSelfHeal: 0,
    });
    await readSteering(this.context, state);
    this.options.logger.info(
      `Automation of ${id} resumed by ${change.by}${
        change.reason ? `: ${change.reason}` : ''
      }`,
    );
    if (!this.stopped) {
      this.reconcile(id).catch(error =>
        this.options.logger.warn(
          `Reconciling ${id} failed: ${errorMessage(error)}`,
        ),
      );
    }
    return this.toApplication(state);
  }

  async terminate(id: string, by: string): Promise<SyncRun> {
    const state = this.registry.get(id);
    if (state.syncing && state.abort) {
      this.abortSync(id, by);
      return { ...state.syncing };
    }
    // Another replica may run it: it stops when it next renews its lease.
    const run = await this.recorder.requestTermination(id, by);
    if (!run) {
      throw new ConflictError(
        `Application ${id} has no running sync to terminate`,
      );
    }
    return run;
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
    // Earlier pushes' untouched applications keep to their share meanwhile.
    const queued = this.refreshes.arriving();
    let refreshed: Promise<void>;
    try {
      // One ls-remote per repository; every application then resolves from it.
      const urls = new Set(matching.map(state => state.spec.source.repoUrl));
      await Promise.all(
        [...urls].map(url => this.options.git.listRemote(url).catch(() => {})),
      );
      // The applications whose folder the push changed go first; the others
      // after them, as their renders may read files outside their folder.
      const changed = await changedByPush(this.options.git, matching);
      refreshed = this.refreshes.add(
        matching.map(state => ({
          id: state.spec.id,
          changed: changed.has(state),
          work: () =>
            this.reconcile(state.spec.id, {
              initiatedBy: options.initiatedBy,
            }),
        })),
      );
    } finally {
      queued();
    }
    await refreshed;
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

  /**
   * Reconciles every application, `concurrency` at a time; one ls-remote per
   * repository. With `spreadOverMs` each application starts at its own
   * moment of that window (see `reconcileOffset`).
   */
  async reconcileAll(options: { spreadOverMs?: number } = {}): Promise<void> {
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
    // All at once, one ls-remote per repository serves every application.
    // Spread out, a listing made now would be stale (see `resolve`'s
    // maxAgeMs) by the time most applications come: each asks when it does.
    if (!options.spreadOverMs) {
      const repos = new Set(states.map(s => s.spec.source.repoUrl));
      await Promise.all(
        [...repos].map(repo =>
          limit(() => this.options.git.listRemote(repo).catch(() => {})),
        ),
      );
    }
    const reconcile = (state: ApplicationState) =>
      limit(() =>
        this.reconcile(state.spec.id).catch(error =>
          this.options.logger.warn(
            `Reconciling ${state.spec.id} failed: ${errorMessage(error)}`,
          ),
        ),
      );
    if (options.spreadOverMs) {
      await runSpread(states, {
        windowMs: options.spreadOverMs,
        idOf: state => state.spec.id,
        run: reconcile,
        stopped: () => this.stopped,
      });
    } else {
      await Promise.all(states.map(reconcile));
    }
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
    this.refuseWhileSyncing(state);
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

  private refuseWhileSyncing(state: ApplicationState) {
    if (state.syncing) {
      throw new ConflictError(
        `Application ${state.spec.id} is already syncing (run ${state.syncing.id})`,
      );
    }
  }

  /** Stops the sync this replica runs for the application, if any. */
  private abortSync(id: string, by: string) {
    const abort = this.registry.find(id)?.abort;
    if (!abort || abort.signal.aborted) return;
    this.options.logger.info(`Sync of ${id} terminated by ${by}`);
    abort.abort(new Error(`Terminated by ${by}`));
  }

  /**
   * Whether a person's sync moves the application off the commit a rollback
   * pinned. Then the pin goes: it would no longer say what runs, and who
   * syncs a newer commit by hand means the application to move on, so
   * automation follows Git again as its policy says (Argo CD leaves
   * auto-sync off after a rollback until someone turns it back on; here
   * that someone is whoever syncs or resumes). A suspension stays.
   * Re-syncing the pinned commit, or only some objects, keeps the pin.
   */
  private async leavesPin(
    state: ApplicationState,
    options: SyncOptions,
  ): Promise<boolean> {
    if (options.resources?.length) return false;
    const { pin } = await readSteering(this.context, state);
    if (!pin) return false;
    const { repoUrl, revision } = state.spec.source;
    const sha = await this.options.git
      .resolve(repoUrl, options.revision || revision, { maxAgeMs: 2_000 })
      .catch(() => undefined);
    return sha !== undefined && sha !== pin.revision;
  }

  /**
   * Reads every application's suspension and pin (another replica may have
   * set them) for a listing. Listings within a second of the last read
   * share it, and concurrent ones share one query: at 10,000 applications a
   * read and the status it refreshes cost more than the page itself. This
   * replica's own changes show at once (they read the row they wrote).
   */
  private refreshSteering(): Promise<void> {
    const last = this.steeringRead;
    if (
      last &&
      (!last.endedAt || Date.now() - last.endedAt < STEERING_REUSE_MS)
    ) {
      return last.done;
    }
    const startedAt = Date.now();
    const read: SteeringRead = {
      done: this.readAllSteering(startedAt).finally(() => {
        read.endedAt = Date.now();
      }),
    };
    this.steeringRead = read;
    return read.done;
  }

  /** The last read of every application's steering (`endedAt` unset while it runs). */
  private steeringRead?: SteeringRead;

  /** Reads every application's suspension and pin in one query. */
  private async readAllSteering(startedAt: number) {
    let all;
    try {
      all = await this.options.store.listAutomation();
    } catch (error) {
      this.options.logger.warn(
        `Could not read the automation of the applications: ${errorMessage(
          error,
        )}`,
      );
      this.steeringRead = undefined;
      return;
    }
    for (const state of this.registry.all()) {
      // An application read on its own since this query began keeps that read.
      if ((state.automation.steeringReadAt ?? 0) > startedAt) continue;
      state.automation.steering = all.get(state.spec.id) ?? {};
      showAutomation(this.context, state);
    }
  }

  // --------------------------------------------------------------- helpers

  /** A live change to an object an application tracks: compare that application again soon. */
  private onLiveChange(object: KubeObject) {
    const id = trackedApplicationId(object);
    const state = id ? this.registry.find(id) : undefined;
    if (state) this.compareSoon(state);
  }

  /**
   * A watch broke: the applications of its kind say they are retrying (and
   * keep their last status). It works again: those that were retrying (or
   * could not read the cluster) compare at once, not at the next interval.
   */
  private onWatchTransition(transition: WatchTransition) {
    const { cluster, apiVersion, kind } = transition;
    for (const state of this.registry.all()) {
      if (state.spec.destination.cluster !== cluster || !state.rendered) {
        continue;
      }
      const affected =
        transition.state === 'recovered'
          ? state.facts.retrying || state.facts.problem?.healthUnknown
          : state.rendered.objects.some(
              o => o.apiVersion === apiVersion && o.kind === kind,
            );
      if (affected) this.compareSoon(state);
    }
  }

  /**
   * Looks at an application again after a fault (compare, then sync as the
   * policy says) or after another replica's lease (the whole reconcile: that
   * replica may have synced a commit this one has not seen).
   */
  private retry(id: string, reason: RetryReason) {
    const state = this.registry.find(id);
    if (!state || this.stopped) return;
    if (reason === 'trouble' && state.rendered) {
      this.compareSoon(state);
      return;
    }
    this.reconcile(id).catch(error =>
      this.options.logger.warn(
        `Reconciling ${id} failed: ${errorMessage(error)}`,
      ),
    );
  }

  /** Compares the application again shortly (changes that come together, once), then syncs by policy. */
  private compareSoon(state: ApplicationState) {
    if (state.syncing || state.evaluateTimer || this.stopped) return;
    state.evaluateTimer = setTimeout(() => {
      state.evaluateTimer = undefined;
      this.registry
        .enqueue(state, async () => {
          if (state.removed || !state.rendered) return;
          if (
            await recordComparison(this.context, state, { liveChange: true })
          ) {
            await syncByPolicy(this.context, state, 'auto');
          }
        })
        .catch(() => undefined);
    }, this.options.liveChangeDebounceMs ?? 20);
  }

  /**
   * Every inventory, read in one query when the first application asks for
   * its own, and used for first reads in the next half minute (a fleet's
   * start-up); later first reads, and every reload, ask for one row.
   */
  private inventoryPreload?: {
    until: number;
    rows: Promise<Map<string, StoredInventory> | undefined>;
  };

  private async storedInventory(
    id: string,
    reload: boolean,
  ): Promise<StoredInventory | undefined> {
    if (!reload) {
      this.inventoryPreload ??= {
        until: Date.now() + 30_000,
        rows: this.options.store.listInventories().catch(() => undefined),
      };
      if (Date.now() < this.inventoryPreload.until) {
        const rows = await this.inventoryPreload.rows;
        if (rows) return rows.get(id);
      }
    }
    return this.options.store.getInventory(id);
  }

  /** Reads the inventory (and last synced commit) from the database, once or when `reload`. */
  private async loadInventory(state: ApplicationState, reload = false) {
    if (state.inventory && !reload) return state.inventory;
    const stored = await this.storedInventory(state.spec.id, reload);
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

  /**
   * The application as the API shows it, made again only when its spec or
   * facts changed (both are replaced, never changed in place), so a listing
   * of the fleet builds nothing for the applications that stayed as they were.
   */
  private toApplication(state: ApplicationState): Application {
    const shown = this.shown.get(state);
    if (shown && shown.spec === state.spec && shown.facts === state.facts) {
      return shown.application;
    }
    const application = applicationOf(state.spec, state.facts);
    this.shown.set(state, {
      spec: state.spec,
      facts: state.facts,
      application,
    });
    return application;
  }

  private readonly shown = new WeakMap<
    ApplicationState,
    { spec: ApplicationSpec; facts: StatusFacts; application: Application }
  >();
}
