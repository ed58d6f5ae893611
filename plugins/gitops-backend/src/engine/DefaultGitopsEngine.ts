import crypto from 'node:crypto';
import type {
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { HumanDuration } from '@backstage/types';
import {
  Application,
  ApplicationResource,
  ApplicationStatus,
  CommitInfo,
  ResourceChange,
  ResourceDiff,
  SyncRun,
  worstHealth,
} from '@mooring/plugin-gitops-common';
import type {
  GitopsHealthCheck,
  GitopsRenderer,
} from '@mooring/plugin-gitops-node';
import {
  Inventory,
  InventoryEntry,
  inventoryOf,
  mergeInventory,
  staleEntries,
} from '../apply/inventory';
import { applySteps, sortForApply } from '../apply/syncOrder';
import { changeSummary } from '../apply/changeSummary';
import { ClusterCache } from '../kube/ClusterCache';
import { ClusterClient } from '../kube/ClusterClient';
import { resourceDiff } from '../diff/resourceDiff';
import { sameObject, stableStringify } from '../diff/normalize';
import { healthSummary } from '../health/healthSummary';
import { objectHealth } from '../health/objectHealth';
import { renderApplication } from '../render/renderApplication';
import type { GitSource } from '../source/GitSource';
import type { GitopsStore } from '../store/GitopsStore';
import {
  KubeObject,
  describeObject,
  isTrackedBy,
  keyOfObject,
  resourceRef,
  trackedApplicationId,
} from '../kube/kubeObject';
import { childKindsOf, liveChildren } from '../kube/liveChildren';
import { mapLimit } from './mapLimit';
import type {
  ApplicationSpec,
  EngineEvent,
  GitopsEngine,
  SyncOptions,
} from './types';

/** A sync failure with the phase it ends the run in. */
class SyncStageError extends Error {
  constructor(readonly phase: 'Failed' | 'Error', message: string) {
    super(message);
  }
}

/** What the engine last learned comparing one desired object with the cluster. */
interface Comparison {
  desiredHash: string;
  liveResourceVersion?: string;
  inSync: boolean;
  /** What the API server makes of the manifest (dry run or apply result). */
  expected?: KubeObject;
}

interface RenderedRevision {
  sha: string;
  objects: KubeObject[];
  hashes: Map<string, string>;
  /** The objects depend only on files below the application's path. */
  selfContained: boolean;
}

interface ApplicationState {
  spec: ApplicationSpec;
  status: ApplicationStatus;
  rendered?: RenderedRevision;
  comparisons: Map<string, Comparison>;
  resources: ApplicationResource[];
  /** Objects that left Git but still live in the cluster with our tracking id. */
  stale: InventoryEntry[];
  inventory?: Inventory;
  inventoryLoaded: boolean;
  /** Serialises all work on one application. */
  queue: Promise<unknown>;
  syncing?: SyncRun;
  evaluateTimer?: NodeJS.Timeout;
  autoFailures: number;
  nextAutoAttempt: number;
  selfHeals: number;
  nextSelfHeal: number;
  lastSelfHeal: number;
  /** After a rollback, automation leaves this target commit alone. */
  pinnedFrom?: string;
  removed?: boolean;
}

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

const MAX_BACKOFF_MS = 5 * 60_000;

function backoff(baseMs: number, failures: number) {
  return Math.min(baseMs * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
}

function errorMessage(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

/**
 * The GitOps agent: for each application it fetches the source, renders it,
 * compares it with the cluster (watch-fed cache, server-side dry run),
 * applies what differs, prunes what left Git, assesses health and records
 * every run.
 */
export class DefaultGitopsEngine implements GitopsEngine {
  private readonly apps = new Map<string, ApplicationState>();
  private readonly caches = new Map<string, ClusterCache>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private readonly holder = `${process.pid}-${crypto.randomUUID()}`;
  private readonly leaseTtlMs: number;
  private stopped = false;
  private started = false;

  constructor(private readonly options: DefaultGitopsEngineOptions) {
    this.leaseTtlMs = options.leaseTtlMs ?? 60_000;
    for (const [name, client] of options.clusters) {
      this.caches.set(
        name,
        new ClusterCache(client, options.logger, (_change, object) =>
          this.onLiveChange(name, object),
        ),
      );
    }
  }

  // ---------------------------------------------------------------- lifecycle

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.endAbandonedRuns();
    if (this.options.scheduler) {
      await this.options.scheduler.scheduleTask({
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
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const state of this.apps.values()) {
      if (state.evaluateTimer) clearTimeout(state.evaluateTimer);
    }
    await Promise.allSettled([...this.apps.values()].map(s => s.queue));
    await Promise.all([...this.caches.values()].map(cache => cache.stop()));
  }

  /** Ends runs that a stopped or crashed replica left in Running. */
  async endAbandonedRuns(): Promise<number> {
    const count = await this.options.store.failAbandonedRuns(
      'The backend stopped during this sync; the next reconcile syncs again',
    );
    if (count) {
      this.options.logger.warn(
        `Ended ${count} sync run(s) left running by a stopped backend`,
      );
    }
    return count;
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
    const next = new Map(specs.map(spec => [spec.id, spec]));
    if (next.size !== specs.length) {
      throw new InputError('Application ids must be unique');
    }
    for (const [id, state] of this.apps) {
      if (!next.has(id)) {
        state.removed = true;
        if (state.evaluateTimer) clearTimeout(state.evaluateTimer);
        this.apps.delete(id);
        if (state.spec.policy.pruneOnRemove) {
          void this.enqueue(state, () => this.pruneRemoved(state)).catch(
            error =>
              this.options.logger.warn(
                `Could not delete the objects of removed application ${id}: ${errorMessage(
                  error,
                )}`,
              ),
          );
        }
      }
    }
    const added: string[] = [];
    for (const spec of specs) {
      const existing = this.apps.get(spec.id);
      if (existing) {
        if (stableStringify(existing.spec) !== stableStringify(spec)) {
          existing.spec = spec;
          existing.rendered = undefined;
          added.push(spec.id);
        }
        continue;
      }
      this.apps.set(spec.id, {
        spec,
        status: {
          sync: 'Unknown',
          health: 'Unknown',
          message: 'Waiting for the first reconcile',
        },
        comparisons: new Map(),
        resources: [],
        stale: [],
        inventoryLoaded: false,
        queue: Promise.resolve(),
        autoFailures: 0,
        nextAutoAttempt: 0,
        selfHeals: 0,
        nextSelfHeal: 0,
        lastSelfHeal: 0,
      });
      added.push(spec.id);
    }
    if (this.started && !this.stopped) {
      for (const id of added) {
        void this.reconcile(id).catch(error =>
          this.options.logger.warn(
            `Reconciling ${id} failed: ${errorMessage(error)}`,
          ),
        );
      }
    }
  }

  async listApplications(): Promise<Application[]> {
    return [...this.apps.values()].map(state => this.toApplication(state));
  }

  async getApplication(id: string): Promise<Application> {
    return this.toApplication(this.state(id));
  }

  async getResources(id: string): Promise<ApplicationResource[]> {
    const state = this.state(id);
    const cache = this.caches.get(state.spec.destination.cluster);
    const kinds = childKindsOf(state.resources);
    if (!cache || kinds.length === 0) return state.resources;
    // Controllers' objects (ReplicaSets, Pods, Jobs) are watched from the
    // first time someone looks at an application that has them.
    const watched = await Promise.allSettled(
      kinds.map(([apiVersion, kind]) => cache.watch(apiVersion, kind)),
    );
    if (watched.some(r => r.status === 'rejected')) return state.resources;
    return [
      ...state.resources,
      ...liveChildren(
        state.resources,
        (apiVersion, kind) => cache.list(apiVersion, kind),
        this.options.healthChecks,
      ),
    ];
  }

  async getDiff(id: string): Promise<ResourceDiff[]> {
    const state = this.state(id);
    const rendered = state.rendered;
    const cache = this.caches.get(state.spec.destination.cluster);
    const client = this.options.clusters.get(state.spec.destination.cluster);
    if (!rendered || !cache || !client) return [];
    const diffs: ResourceDiff[] = [];
    for (const object of sortForApply(rendered.objects)) {
      const key = keyOfObject(object);
      const comparison = state.comparisons.get(key);
      if (comparison?.inSync) continue;
      const live = this.live(cache, object);
      let desired = comparison?.expected;
      if (!desired) {
        try {
          desired = await client.apply(object, { dryRun: true });
        } catch {
          // The API server refuses it (e.g. its namespace does not exist yet); show the manifest.
          desired = object;
        }
      }
      const diff = resourceDiff(live, desired);
      if (diff) diffs.push(diff);
    }
    for (const entry of state.stale) {
      const live = cache.get(
        entry.group ? `${entry.group}/${entry.version}` : entry.version,
        entry.kind,
        entry.namespace,
        entry.name,
      );
      const diff = live && resourceDiff(live, undefined);
      if (diff) diffs.push(diff);
    }
    return diffs;
  }

  async getHistory(
    id: string,
    options: { limit?: number } = {},
  ): Promise<SyncRun[]> {
    this.state(id);
    const limit = Math.min(
      Math.max(1, options.limit ?? this.options.maxRunsPerApplication),
      1000,
    );
    const runs = await this.options.store.listRuns(id, limit);
    return runs.map(({ applicationId: _, ...run }) => run);
  }

  async sync(id: string, options: SyncOptions): Promise<SyncRun> {
    const state = this.state(id);
    if (options.dryRun) {
      return this.enqueue(state, () => this.dryRun(state, options));
    }
    return this.beginSync(state, options, false);
  }

  async rollback(
    id: string,
    runId: string,
    initiatedBy: string,
  ): Promise<SyncRun> {
    const state = this.state(id);
    const run = await this.options.store.getRun(id, runId);
    if (!run) {
      throw new NotFoundError(`Application ${id} has no run ${runId}`);
    }
    if (run.phase !== 'Succeeded' || run.dryRun || !run.commit.sha) {
      throw new InputError(
        `Run ${runId} did not apply a commit successfully; roll back to a successful run`,
      );
    }
    state.pinnedFrom = state.status.targetRevision;
    return this.beginSync(
      state,
      { revision: run.commit.sha, initiatedBy },
      false,
    );
  }

  async refresh(id: string): Promise<Application> {
    await this.reconcile(id, { fresh: true });
    return this.getApplication(id);
  }

  async refreshRepo(repoUrl: string, branch?: string): Promise<Application[]> {
    const matching = [...this.apps.values()].filter(
      state =>
        sameRepo(state.spec.source.repoUrl, repoUrl) &&
        (!branch ||
          !state.spec.source.revision ||
          state.spec.source.revision === branch),
    );
    // One ls-remote for the repository; every application then resolves from it.
    const urls = new Set(matching.map(state => state.spec.source.repoUrl));
    await Promise.all(
      [...urls].map(url =>
        this.options.git.listRemote(url).catch(() => undefined),
      ),
    );
    await mapLimit(matching, this.options.concurrency, state =>
      this.reconcile(state.spec.id).catch(() => undefined),
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
    await this.endAbandonedRuns().catch(error =>
      this.options.logger.warn(
        `Could not end abandoned runs: ${errorMessage(error)}`,
      ),
    );
    const repos = new Set(
      [...this.apps.values()].map(s => s.spec.source.repoUrl),
    );
    await mapLimit([...repos], this.options.concurrency, repo =>
      this.options.git.listRemote(repo).catch(() => undefined),
    );
    await mapLimit(
      [...this.apps.keys()],
      this.options.concurrency,
      async id => {
        try {
          await this.reconcile(id);
        } catch (error) {
          this.options.logger.warn(
            `Reconciling ${id} failed: ${errorMessage(error)}`,
          );
        }
      },
    );
  }

  /**
   * One application, top to bottom: resolve the source, render, compare with
   * the cluster, then sync when the policy says so.
   */
  async reconcile(id: string, options: { fresh?: boolean } = {}) {
    const state = this.state(id);
    await this.enqueue(state, async () => {
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
        this.setStatus(state, {
          sync: 'Unknown',
          message: `Git: ${errorMessage(error)}`,
        });
        return;
      }
      if (state.status.targetRevision !== sha) {
        this.setStatus(state, { targetRevision: sha });
      }
      // 2. Render that commit (once per commit).
      try {
        await this.renderRevision(state, sha);
      } catch (error) {
        this.setStatus(state, {
          sync: 'Unknown',
          targetRevision: sha,
          message: `Rendering ${spec.source.path} at ${sha.slice(
            0,
            7,
          )} failed: ${errorMessage(error)}`,
        });
        return;
      }
      // 3. Compare with the cluster.
      if (!(await this.compare(state))) return;
      // 4. Sync when the policy asks for it.
      await this.syncByPolicy(state);
    });
  }

  private async syncByPolicy(state: ApplicationState) {
    const { spec, status } = state;
    const now = Date.now();
    const target = status.targetRevision;
    if (!target || state.syncing) return;
    const newCommit =
      spec.policy.sync === 'auto' &&
      status.sync === 'OutOfSync' &&
      target !== status.syncedRevision &&
      target !== state.pinnedFrom;
    const drifted =
      spec.policy.selfHeal &&
      status.sync === 'OutOfSync' &&
      target === status.syncedRevision;
    if (newCommit && now >= state.nextAutoAttempt) {
      await this.runSyncInQueue(state, { initiatedBy: 'auto' });
    } else if (drifted && now >= state.nextSelfHeal) {
      // Back off when something keeps undoing our changes, so the two do not spin.
      if (now - state.lastSelfHeal > 60_000) state.selfHeals = 0;
      state.selfHeals++;
      state.lastSelfHeal = now;
      state.nextSelfHeal = now + backoff(1000, state.selfHeals) - 1000;
      await this.runSyncInQueue(state, { initiatedBy: 'self-heal' });
    }
  }

  private async renderRevision(state: ApplicationState, sha: string) {
    const { spec } = state;
    const previous = state.rendered;
    if (previous?.sha === sha) return;
    // In a repository shared by many applications, most commits touch none
    // of this one's files: keep what was rendered.
    if (previous?.selfContained) {
      const changed = await this.options.git
        .changedFiles(spec.source.repoUrl, previous.sha, sha)
        .catch(() => undefined);
      const folder = normalizeFolder(spec.source.path);
      if (
        changed &&
        folder &&
        !changed.some(file => file === folder || file.startsWith(`${folder}/`))
      ) {
        state.rendered = { ...previous, sha };
        return;
      }
    }
    const render = async (subPath?: string) =>
      renderApplication({
        repositoryRoot: await this.options.git.checkout(
          spec.source.repoUrl,
          sha,
          subPath,
        ),
        path: spec.source.path,
        namespace: spec.destination.namespace,
        applicationId: spec.id,
        renderers: this.options.renderers,
      });
    // What was plain YAML in its own folder likely still is: check out that
    // folder alone rather than the whole repository, and fall back to the
    // whole when the folder turns out to need more.
    const folder = normalizeFolder(spec.source.path);
    let result =
      previous?.selfContained && folder
        ? await render(folder).catch(() => undefined)
        : undefined;
    if (!result?.selfContained) result = await render();
    const { objects, selfContained } = result;
    // Waves must parse before anything is applied.
    sortForApply(objects);
    state.rendered = {
      sha,
      objects,
      hashes: new Map(objects.map(o => [keyOfObject(o), stableStringify(o)])),
      selfContained,
    };
  }

  private live(cache: ClusterCache, object: KubeObject) {
    return cache.get(
      object.apiVersion,
      object.kind,
      object.metadata.namespace,
      object.metadata.name,
    );
  }

  /** Reads the inventory (and last synced commit) from the database, once or when `reload`. */
  private async loadInventory(state: ApplicationState, reload = false) {
    if (state.inventoryLoaded && !reload) return;
    const stored = await this.options.store.getInventory(state.spec.id);
    state.inventory = stored?.entries ?? [];
    state.inventoryLoaded = true;
    if (
      stored?.syncedRevision &&
      stored.syncedRevision !== state.status.syncedRevision
    ) {
      this.setStatus(state, { syncedRevision: stored.syncedRevision });
    }
  }

  /**
   * Whether an automatic sync is still needed once the lease is ours: another
   * replica may have done it since this one looked.
   */
  private async stillNeeded(state: ApplicationState, reason: string) {
    await this.loadInventory(state, true);
    const { status } = state;
    if (reason === 'auto') {
      return status.targetRevision !== status.syncedRevision;
    }
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

  /**
   * Compares the rendered objects with the live ones. Costs no API call when
   * neither Git nor the cluster changed since the last comparison; a live
   * change costs one dry run per changed object. Returns false on failure.
   */
  private async compare(state: ApplicationState): Promise<boolean> {
    const { spec } = state;
    const rendered = state.rendered;
    if (!rendered) return false;
    const cache = this.caches.get(spec.destination.cluster);
    const client = this.options.clusters.get(spec.destination.cluster);
    if (!cache || !client) {
      this.setStatus(state, {
        sync: 'Unknown',
        health: 'Unknown',
        message: `Cluster "${spec.destination.cluster}" is not configured; add it to gitops.clusters`,
      });
      return false;
    }
    try {
      await this.loadInventory(state);
      const inventory = state.inventory ?? [];
      const kinds = new Map<string, [string, string]>();
      for (const o of rendered.objects) {
        kinds.set(`${o.apiVersion}/${o.kind}`, [o.apiVersion, o.kind]);
      }
      const stale = staleEntries(inventory, inventoryOf(rendered.objects));
      for (const e of stale) {
        const apiVersion = e.group ? `${e.group}/${e.version}` : e.version;
        kinds.set(`${apiVersion}/${e.kind}`, [apiVersion, e.kind]);
      }
      const watched = await Promise.allSettled(
        [...kinds.values()].map(([apiVersion, kind]) =>
          cache.watch(apiVersion, kind),
        ),
      );
      const unwatched = watched.find(
        (r): r is PromiseRejectedResult => r.status === 'rejected',
      );
      // A kind that is not served yet (its CRD is in this very application)
      // is fine; a cluster that cannot be reached is not.
      if (unwatched && !/does not serve/.test(errorMessage(unwatched.reason))) {
        throw unwatched.reason;
      }

      const resources: ApplicationResource[] = [];
      let allInSync = true;
      await mapLimit(rendered.objects, 8, async object => {
        const key = keyOfObject(object);
        const live = this.live(cache, object);
        const desiredHash = rendered.hashes.get(key)!;
        const previous = state.comparisons.get(key);
        let comparison: Comparison;
        if (!live) {
          comparison = { desiredHash, inSync: false };
        } else if (
          previous?.desiredHash === desiredHash &&
          previous.liveResourceVersion === live.metadata.resourceVersion
        ) {
          comparison = previous;
        } else if (
          previous?.desiredHash === desiredHash &&
          previous.expected &&
          sameObject(live, previous.expected)
        ) {
          comparison = {
            ...previous,
            inSync: true,
            liveResourceVersion: live.metadata.resourceVersion as string,
          };
        } else {
          const expected = await client.apply(object, { dryRun: true });
          comparison = {
            desiredHash,
            inSync: sameObject(expected, live),
            expected,
            liveResourceVersion: live.metadata.resourceVersion as string,
          };
        }
        state.comparisons.set(key, comparison);
        if (!comparison.inSync) allInSync = false;
        const health = objectHealth(live, this.options.healthChecks);
        resources.push({
          ...resourceRef(object),
          sync: comparison.inSync ? 'Synced' : 'OutOfSync',
          health: health.status,
          healthMessage: health.message,
        });
      });
      const health = worstHealth(resources.map(r => r.health));
      const liveStale: InventoryEntry[] = [];
      for (const entry of stale) {
        const live = cache.get(
          entry.group ? `${entry.group}/${entry.version}` : entry.version,
          entry.kind,
          entry.namespace,
          entry.name,
        );
        if (live && isTrackedBy(spec.id, live)) {
          liveStale.push(entry);
          resources.push({
            ...entry,
            sync: 'OutOfSync',
            health: objectHealth(live, this.options.healthChecks).status,
            healthMessage:
              'No longer in Git; pruned on the next sync with prune',
          });
        }
      }
      state.stale = liveStale;
      resources.sort((a, b) =>
        `${a.kind}/${a.namespace}/${a.name}`.localeCompare(
          `${b.kind}/${b.namespace}/${b.name}`,
        ),
      );
      state.resources = resources;
      const outOfSync = resources.filter(r => r.sync === 'OutOfSync').length;
      const synced = allInSync && liveStale.length === 0;
      if (
        synced &&
        !state.syncing &&
        rendered.sha === state.status.targetRevision &&
        rendered.sha !== state.status.syncedRevision
      ) {
        // The cluster already equals this commit (it touched nothing of this
        // application): it is synced without a run.
        state.inventory = inventoryOf(rendered.objects);
        await this.options.store.saveInventory(spec.id, {
          cluster: spec.destination.cluster,
          entries: state.inventory,
          syncedRevision: rendered.sha,
        });
        this.setStatus(state, { syncedRevision: rendered.sha });
      }
      this.setStatus(state, {
        sync: synced ? 'Synced' : 'OutOfSync',
        health,
        message:
          outOfSync === 0
            ? healthSummary(resources, health)
            : `${outOfSync} of ${resources.length} resources out of sync`,
      });
      return true;
    } catch (error) {
      this.setStatus(state, {
        sync: 'Unknown',
        health: 'Unknown',
        message: `Cluster ${spec.destination.cluster}: ${errorMessage(error)}`,
      });
      return false;
    }
  }

  // ------------------------------------------------------------------ sync

  private async runSyncInQueue(state: ApplicationState, options: SyncOptions) {
    try {
      const run = await this.startRun(state, options);
      if (!run) return;
      await this.executeSync(state, run, options);
    } catch (error) {
      if (!(error instanceof ConflictError)) {
        this.options.logger.warn(
          `Sync of ${state.spec.id} failed: ${errorMessage(error)}`,
        );
      }
    }
  }

  /** Starts a sync from outside the queue: the run is recorded before this returns. */
  private async beginSync(
    state: ApplicationState,
    options: SyncOptions,
    wait: boolean,
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
    const done = this.enqueue(state, () =>
      this.executeSync(state, run, options),
    );
    if (wait) await done;
    else done.catch(() => undefined);
    return { ...run };
  }

  /** Takes the lease and records the run; undefined when another replica holds it. */
  private async startRun(
    state: ApplicationState,
    options: SyncOptions,
  ): Promise<SyncRun | undefined> {
    if (state.syncing) return undefined;
    const { spec } = state;
    const acquired = await this.options.store.tryAcquireLease(
      spec.id,
      this.holder,
      this.leaseTtlMs,
    );
    if (!acquired) return undefined;
    if (
      (options.initiatedBy === 'auto' || options.initiatedBy === 'self-heal') &&
      !(await this.stillNeeded(state, options.initiatedBy).catch(() => true))
    ) {
      await this.options.store.releaseLease(spec.id, this.holder);
      return undefined;
    }
    const run: SyncRun = {
      id: crypto.randomUUID(),
      revision: options.revision || spec.source.revision || 'HEAD',
      commit: { sha: '', author: '', message: '', date: '' },
      startedAt: new Date().toISOString(),
      phase: 'Running',
      initiatedBy: options.initiatedBy,
      message: 'Sync started',
      dryRun: false,
      changes: [],
    };
    try {
      await this.options.store.insertRun(
        { ...run, applicationId: spec.id },
        this.holder,
      );
    } catch (error) {
      await this.options.store.releaseLease(spec.id, this.holder);
      throw error;
    }
    state.syncing = run;
    this.setOperation(state, run, options);
    return run;
  }

  private setOperation(
    state: ApplicationState,
    run: SyncRun,
    options: { prune?: boolean },
    progress?: { done: number; total: number },
  ) {
    this.setStatus(state, {
      operation: {
        id: run.id,
        runId: run.id,
        phase: run.phase,
        revision: run.commit.sha || run.revision,
        initiatedBy: run.initiatedBy,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        message: run.message,
        dryRun: Boolean(run.dryRun),
        prune: Boolean(options.prune ?? state.spec.policy.prune),
        progress,
        changes: run.changes,
      },
    });
  }

  /**
   * The sync itself: resolve and render the revision, apply what differs in
   * order (CRDs and Namespaces, waves, kinds), prune what left Git, record
   * the inventory and the run.
   */
  private async executeSync(
    state: ApplicationState,
    run: SyncRun,
    options: SyncOptions,
  ): Promise<void> {
    const { spec } = state;
    const store = this.options.store;
    const renew = setInterval(() => {
      store
        .renewLease(spec.id, this.holder, this.leaseTtlMs)
        .catch(() => undefined);
    }, this.leaseTtlMs / 3);
    renew.unref?.();
    const changes: ResourceChange[] = [];
    let commit: CommitInfo | undefined;
    let phase: SyncRun['phase'] = 'Succeeded';
    let message = '';
    try {
      const client = this.client(spec.destination.cluster);
      const cache = this.caches.get(spec.destination.cluster)!;
      // 1. Source and render.
      let sha: string;
      try {
        sha = await this.options.git.resolve(
          spec.source.repoUrl,
          options.revision || spec.source.revision,
          { maxAgeMs: 2_000 },
        );
        commit = await this.options.git.commitInfo(spec.source.repoUrl, sha);
        run.commit = commit;
        await this.renderRevision(state, sha);
      } catch (error) {
        throw new SyncStageError('Error', errorMessage(error));
      }
      const objects = state.rendered!.objects;
      // 2. The destination namespace, when an object lives in it.
      if (
        objects.some(
          o => o.metadata.namespace === spec.destination.namespace,
        ) &&
        !objects.some(
          o =>
            o.kind === 'Namespace' &&
            o.metadata.name === spec.destination.namespace,
        )
      ) {
        try {
          await client.ensureNamespace(spec.destination.namespace);
        } catch (error) {
          throw new SyncStageError('Failed', errorMessage(error));
        }
      }
      // 3. Apply, step by step; a failed step stops the later ones.
      await this.loadInventory(state, true);
      const steps = applySteps(objects);
      const progress = { done: 0, total: objects.length };
      let failedStep = false;
      for (const step of steps) {
        const results = await mapLimit(
          step,
          this.options.applyConcurrency ?? 8,
          async object => {
            const result = await this.applyOne(
              state,
              client,
              cache,
              object,
              sha,
            );
            changes.push(result);
            progress.done++;
            run.changes = changes;
            this.setOperation(state, run, options, { ...progress });
            return result;
          },
        );
        if (results.some(r => r.action === 'failed')) {
          failedStep = true;
          break;
        }
      }
      // 4. Prune what left Git (or keep tracking it).
      const previous = state.inventory ?? [];
      const next = inventoryOf(objects);
      let survivors = staleEntries(previous, next);
      const prune = options.prune ?? spec.policy.prune;
      if (prune && !failedStep) {
        const pruned = await this.pruneEntries(state, client, survivors);
        changes.push(...pruned.changes);
        survivors = pruned.survivors;
      }
      // Objects a failed step never reached stay tracked under the old inventory.
      const applied = failedStep
        ? inventoryOf(
            objects.filter(o =>
              changes.some(
                c =>
                  c.action !== 'failed' &&
                  c.kind === o.kind &&
                  c.name === o.metadata.name &&
                  c.namespace === (o.metadata.namespace ?? ''),
              ),
            ),
          ).concat(previous)
        : next;
      state.inventory = mergeInventory(applied, survivors);
      const failed = changes.filter(c => c.action === 'failed');
      if (failed.length) {
        phase = 'Failed';
        message = `${changeSummary(changes)}. ${failed
          .slice(0, 3)
          .map(c => c.message)
          .join('; ')}`;
      } else {
        message = changeSummary(changes);
      }
      await store.saveInventory(spec.id, {
        cluster: spec.destination.cluster,
        entries: state.inventory,
        syncedRevision:
          phase === 'Succeeded' ? sha : state.status.syncedRevision,
      });
      if (phase === 'Succeeded') {
        this.setStatus(state, { syncedRevision: sha });
      }
    } catch (error) {
      phase = error instanceof SyncStageError ? error.phase : 'Error';
      message = errorMessage(error);
    } finally {
      clearInterval(renew);
    }
    run.phase = phase;
    run.message = message;
    run.changes = changes;
    run.finishedAt = new Date().toISOString();
    try {
      await store.finishRun(run.id, {
        phase,
        message,
        changes,
        commit,
        finishedAt: run.finishedAt,
      });
      await store.trimRuns(spec.id, this.options.maxRunsPerApplication);
    } finally {
      await store.releaseLease(spec.id, this.holder).catch(() => undefined);
      state.syncing = undefined;
    }
    if (phase === 'Succeeded') {
      state.autoFailures = 0;
      state.nextAutoAttempt = 0;
    } else {
      state.autoFailures++;
      state.nextAutoAttempt = Date.now() + backoff(5_000, state.autoFailures);
    }
    this.setOperation(state, run, options);
    if (phase !== 'Succeeded') {
      this.emit({
        type: 'syncFailed',
        application: this.toApplication(state),
        run,
      });
    }
    await this.compare(state);
  }

  private async applyOne(
    state: ApplicationState,
    client: ClusterClient,
    cache: ClusterCache,
    object: KubeObject,
    sha: string,
  ): Promise<ResourceChange> {
    const ref = resourceRef(object);
    const change = {
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
    };
    const key = keyOfObject(object);
    const desiredHash =
      state.rendered?.sha === sha
        ? state.rendered.hashes.get(key)!
        : stableStringify(object);
    try {
      let live: KubeObject | undefined = this.live(cache, object);
      if (!cache.isSynced(object.apiVersion, object.kind)) {
        live = await client.get(object);
      }
      const known = state.comparisons.get(key);
      if (
        live &&
        known?.inSync &&
        known.desiredHash === desiredHash &&
        known.liveResourceVersion === live.metadata.resourceVersion
      ) {
        return { ...change, action: 'unchanged' };
      }
      const result = await client.apply(object);
      state.comparisons.set(key, {
        desiredHash,
        inSync: true,
        expected: result,
        liveResourceVersion: result.metadata.resourceVersion as string,
      });
      if (!live) return { ...change, action: 'created' };
      return {
        ...change,
        action: sameObject(result, live) ? 'unchanged' : 'configured',
      };
    } catch (error) {
      return { ...change, action: 'failed', message: errorMessage(error) };
    }
  }

  /** Deletes stale objects in reverse apply order; returns what could not be deleted. */
  private async pruneEntries(
    state: ApplicationState,
    client: ClusterClient,
    stale: InventoryEntry[],
  ): Promise<{ changes: ResourceChange[]; survivors: InventoryEntry[] }> {
    const changes: ResourceChange[] = [];
    const survivors: InventoryEntry[] = [];
    const asObjects = stale.map(entry => ({
      apiVersion: entry.group
        ? `${entry.group}/${entry.version}`
        : entry.version,
      kind: entry.kind,
      metadata: {
        name: entry.name,
        ...(entry.namespace ? { namespace: entry.namespace } : {}),
      },
      entry,
    }));
    for (const object of sortForApply(asObjects as KubeObject[]).reverse()) {
      const entry = (object as any).entry as InventoryEntry;
      const change = {
        kind: entry.kind,
        namespace: entry.namespace,
        name: entry.name,
      };
      try {
        const live = await client.get(object);
        if (!live) continue;
        if (!isTrackedBy(state.spec.id, live)) {
          this.options.logger.info(
            `Not pruning ${describeObject(
              entry,
            )}: it does not carry the tracking id of ${state.spec.id}`,
          );
          continue;
        }
        await client.delete(object);
        changes.push({ ...change, action: 'deleted' });
      } catch (error) {
        survivors.push(entry);
        changes.push({
          ...change,
          action: 'failed',
          message: errorMessage(error),
        });
      }
    }
    return { changes, survivors };
  }

  /** Deletes what a removed application applied (objects still carrying its tracking id). */
  private async pruneRemoved(state: ApplicationState) {
    const { spec } = state;
    const store = this.options.store;
    if (!(await store.tryAcquireLease(spec.id, this.holder, this.leaseTtlMs))) {
      return;
    }
    try {
      const inventory = await store.getInventory(spec.id);
      if (!inventory) return;
      const client = this.client(inventory.cluster);
      const { changes, survivors } = await this.pruneEntries(
        state,
        client,
        inventory.entries,
      );
      if (survivors.length) {
        await store.saveInventory(spec.id, {
          ...inventory,
          entries: survivors,
        });
        throw new Error(
          changes
            .filter(c => c.action === 'failed')
            .map(c => c.message)
            .join('; '),
        );
      }
      await store.deleteInventory(spec.id);
      this.options.logger.info(
        `Deleted ${changes.length} object(s) of removed application ${spec.id}`,
      );
    } finally {
      await store.releaseLease(spec.id, this.holder).catch(() => undefined);
    }
  }

  private async dryRun(
    state: ApplicationState,
    options: SyncOptions,
  ): Promise<SyncRun> {
    const { spec } = state;
    const startedAt = new Date().toISOString();
    const sha = await this.options.git.resolve(
      spec.source.repoUrl,
      options.revision || spec.source.revision,
      { maxAgeMs: 0 },
    );
    const commit = await this.options.git.commitInfo(spec.source.repoUrl, sha);
    await this.renderRevision(state, sha);
    const objects = state.rendered!.objects;
    const client = this.client(spec.destination.cluster);
    const changes: ResourceChange[] = [];
    for (const object of sortForApply(objects)) {
      const ref = resourceRef(object);
      const change = {
        kind: ref.kind,
        namespace: ref.namespace,
        name: ref.name,
      };
      try {
        const live = await client.get(object);
        if (!live) {
          changes.push({ ...change, action: 'created' });
          continue;
        }
        const result = await client.apply(object, { dryRun: true });
        changes.push({
          ...change,
          action: sameObject(result, live) ? 'unchanged' : 'configured',
        });
      } catch (error) {
        changes.push({
          ...change,
          action: 'failed',
          message: errorMessage(error),
        });
      }
    }
    await this.loadInventory(state);
    if (options.prune ?? spec.policy.prune) {
      for (const entry of staleEntries(
        state.inventory ?? [],
        inventoryOf(objects),
      )) {
        changes.push({
          kind: entry.kind,
          namespace: entry.namespace,
          name: entry.name,
          action: 'deleted',
        });
      }
    }
    const failed = changes.some(c => c.action === 'failed');
    const run: SyncRun = {
      id: crypto.randomUUID(),
      revision: options.revision || spec.source.revision || 'HEAD',
      commit,
      startedAt,
      finishedAt: new Date().toISOString(),
      phase: failed ? 'Failed' : 'Succeeded',
      initiatedBy: options.initiatedBy,
      message: `Dry run: ${changeSummary(changes)}`,
      dryRun: true,
      changes,
    };
    await this.options.store.insertRun(
      { ...run, applicationId: spec.id },
      this.holder,
    );
    await this.options.store.trimRuns(
      spec.id,
      this.options.maxRunsPerApplication,
    );
    return run;
  }

  // --------------------------------------------------------------- helpers

  private onLiveChange(_cluster: string, object: KubeObject) {
    const id = trackedApplicationId(object);
    const state = id ? this.apps.get(id) : undefined;
    if (!state || state.syncing || this.stopped) return;
    if (state.evaluateTimer) return;
    state.evaluateTimer = setTimeout(() => {
      state.evaluateTimer = undefined;
      void this.enqueue(state, async () => {
        if (state.removed || !state.rendered) return;
        if (await this.compare(state)) await this.syncByPolicy(state);
      }).catch(() => undefined);
    }, this.options.liveChangeDebounceMs ?? 20);
  }

  private enqueue<T>(
    state: ApplicationState,
    work: () => Promise<T>,
  ): Promise<T> {
    const result = state.queue.then(work, work);
    state.queue = result.catch(() => undefined);
    return result;
  }

  private client(name: string): ClusterClient {
    const client = this.options.clusters.get(name);
    if (!client) {
      throw new SyncStageError(
        'Error',
        `Cluster "${name}" is not configured; add it to gitops.clusters`,
      );
    }
    return client;
  }

  private state(id: string): ApplicationState {
    const state = this.apps.get(id);
    if (!state) throw new NotFoundError(`No application with id ${id}`);
    return state;
  }

  private setStatus(
    state: ApplicationState,
    patch: Partial<ApplicationStatus>,
  ) {
    const before = state.status;
    const after: ApplicationStatus = {
      ...before,
      ...patch,
      reconciledAt:
        patch.sync !== undefined
          ? new Date().toISOString()
          : before.reconciledAt,
    };
    state.status = after;
    const changed =
      before.sync !== after.sync ||
      before.health !== after.health ||
      before.message !== after.message ||
      before.syncedRevision !== after.syncedRevision ||
      before.targetRevision !== after.targetRevision ||
      before.operation?.phase !== after.operation?.phase ||
      before.operation?.id !== after.operation?.id;
    if (!changed) return;
    const application = this.toApplication(state);
    this.emit({ type: 'status', application });
    const atTarget =
      after.syncedRevision && after.syncedRevision === after.targetRevision;
    if (atTarget && before.sync === 'Synced' && after.sync === 'OutOfSync') {
      this.emit({ type: 'driftDetected', application });
    } else if (
      atTarget &&
      before.sync === 'OutOfSync' &&
      after.sync === 'Synced'
    ) {
      this.emit({ type: 'driftResolved', application });
    }
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
      status: { ...state.status },
    };
  }
}

/** The application's folder relative to the repository root; '' for the root. */
function normalizeFolder(folder: string): string {
  const normal = folder.replace(/^\/+|\/+$/g, '').replace(/^\.\/?/, '');
  return normal === '.' ? '' : normal;
}

function sameRepo(a: string, b: string) {
  const normal = (url: string) => url.replace(/\.git$/, '').replace(/\/+$/, '');
  return normal(a) === normal(b);
}
