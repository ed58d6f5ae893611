import type { ResourceChange, SyncStep } from '@mooring/plugin-gitops-common';
import type { LoggerService } from '@backstage/backend-plugin-api';
import pLimit from 'p-limit';
import {
  Inventory,
  InventoryEntry,
  entryKey,
  inventoryOf,
  mergeInventory,
  staleEntries,
} from '../apply/inventory';
import {
  HookPhase,
  hookPhases,
  liveSyncOptions,
  objectSyncOptions,
} from '../apply/syncAnnotations';
import {
  applySteps,
  sortForDelete,
  syncWave,
  waveGroups,
} from '../apply/syncOrder';
import { sameObject } from '../diff/normalize';
import { objectHealth } from '../health/objectHealth';
import type { HealthAssessment } from '../health/types';
import type { ClusterClient } from '../kube/ClusterClient';
import {
  KubeObject,
  describeObject,
  groupOf,
  resourceRef,
} from '../kube/kubeObject';
import { prunable } from '../tenancy';
import type { SyncTimeouts } from './engineContext';
import {
  HookInterrupted,
  SyncInterrupted,
  Waiter,
  checkAborted,
  hooksOf,
  runHook,
  waitUntil,
} from './hookRunner';
import { Comparison, SyncPlan, comparisonWith, refOfEntry } from './planSync';

function errorMessage(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

function changeOf(ref: { kind: string; namespace: string; name: string }) {
  return { kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

/** The outcome of applying a plan: what was done, and what the application now tracks. */
export interface AppliedPlan {
  changes: ResourceChange[];
  /** True when a step failed (an object, a hook, a wave's health, time), so later steps (and prune) did not run. */
  failedStep: boolean;
  /** Why the sync failed beyond its failed changes (a wave, the time, a termination). */
  failure?: string;
  /** The sync was terminated. */
  terminated?: boolean;
  inventory: Inventory;
  /** What each applied object now is, by object key. */
  comparisons: Map<string, Comparison>;
  /** Objects that left Git but were left in place, and why (no longer tracked). */
  kept: string[];
  /** Phases and waves, in order, with timing. */
  steps: SyncStep[];
}

/** What a sync reports while it runs. */
export interface SyncProgress {
  changes: ResourceChange[];
  done: number;
  total: number;
  steps: SyncStep[];
  waitingFor?: string;
}

export interface ApplyPlanInput {
  applicationId: string;
  plan: SyncPlan;
  /** The manifest file of each object where the renderer knows it, by object key: named in its failure. */
  sourceFiles?: Map<string, string>;
  client: ClusterClient;
  previousInventory: Inventory;
  prune: boolean;
  /** Why the application may not delete a live object it tracks, if it may not. */
  mayDelete?: (live: KubeObject) => Promise<string | undefined>;
  concurrency: number;
  logger: LoggerService;
  onProgress(progress: SyncProgress): void;
  /** The health of a live object (custom checks first); default: built-in checks. */
  health?: (live: KubeObject) => HealthAssessment;
  /** Aborted to terminate the sync. */
  signal?: AbortSignal;
  /** How long waves, hooks and the whole sync may take. */
  timeouts?: SyncTimeouts;
  /**
   * Selective sync: only the objects this accepts are applied, in order;
   * no hook runs, nothing waits, nothing is pruned, and the rest of the
   * inventory stays as it was.
   */
  only?: (object: KubeObject) => boolean;
  /** Polling of waits (tests make it quick). */
  pollMs?: { first: number; most: number };
}

function hookPhaseTotal(plan: SyncPlan, phases: HookPhase[]): number {
  return plan.hooks.filter(h =>
    hookPhases(h.object).some(p => phases.includes(p as HookPhase)),
  ).length;
}

function isImmutableError(error: unknown): boolean {
  const text = errorMessage(error);
  return /immutable|may not change|cannot change|Forbidden: updates to/i.test(
    text,
  );
}

/**
 * True for a refusal of the object as written (unknown or mistyped fields,
 * invalid values): applying it later will not help. Not for what an earlier
 * wave may still fix (a namespace or a kind that does not exist yet, an
 * immutable field that Replace/Force handles, a conflict, an outage).
 */
function refusedAsWritten(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (code === 400) return true;
  if (code === 422) return !isImmutableError(error);
  // Server-side apply answers a body that does not fit the schema with a 500.
  return (
    code === 500 &&
    /failed to create typed patch object/.test(errorMessage(error))
  );
}

/** A wave's object turned Degraded: the wave fails at once. */
class WaveDegraded extends Error {}

/**
 * Runs a sync of a plan, as Argo CD does: PreSync hooks (wave by wave, each
 * waited for), then the objects wave by wave (CRDs and Namespaces first; in
 * a wave kind by kind, objects of a kind in parallel) with the Sync hooks of
 * each wave; a wave starts only when every object of the one before is
 * Healthy. Then prune what left Git (`Prune=false` objects stay), then, once
 * every object is Healthy, the PostSync hooks. When anything fails (an
 * object, a hook, a wave turning Degraded, a timeout) the later steps do not
 * run and the SyncFail hooks do; a terminated sync runs nothing more.
 * Finally it works out the inventory to record: objects a failed step never
 * reached stay tracked as before, and stale objects that were not deleted
 * stay tracked to be pruned later.
 */
export async function applyPlan(input: ApplyPlanInput): Promise<AppliedPlan> {
  const { plan, client } = input;
  const health = input.health ?? (live => objectHealth(live));
  const selective = Boolean(input.only);
  const planned = input.only
    ? plan.objects.filter(p => input.only!(p.object))
    : plan.objects;
  const byObject = new Map(planned.map(p => [p.object, p]));
  const objects = planned.map(p => p.object);
  const hooks = selective ? [] : plan.hooks.map(h => h.object);
  const changes: ResourceChange[] = [];
  const comparisons = new Map<string, Comparison>();
  const uids = new Map<string, string>();
  const kept: string[] = [];
  const steps: SyncStep[] = [];
  const adopted = new Set(plan.adopted.map(ref => entryKey(ref)));
  const deferred = new Set(plan.deferred ?? []);
  const limit = pLimit(input.concurrency);
  const timeouts = input.timeouts ?? {
    waveMs: 5 * 60_000,
    totalMs: 30 * 60_000,
  };
  const total =
    objects.length +
    (selective ? 0 : hookPhaseTotal(plan, ['PreSync', 'Sync', 'PostSync']));
  let waitingFor: string | undefined;
  const progress = () =>
    input.onProgress({
      changes,
      done: changes.filter(c => c.action !== 'kept').length,
      total: Math.max(total, changes.length),
      steps,
      waitingFor,
    });
  const waiter: Waiter = {
    applicationId: input.applicationId,
    client,
    health,
    signal: input.signal,
    deadline: Date.now() + timeouts.totalMs,
    waveMs: timeouts.waveMs,
    pollMs: input.pollMs,
    waiting(what) {
      waitingFor = what;
      if (what && steps.length)
        steps[steps.length - 1].message = `Waiting for ${what}`;
      progress();
    },
  };
  const record = (change: ResourceChange) => {
    changes.push(change);
    progress();
    return change;
  };
  const beginStep = (phase: SyncStep['phase'], wave: number, count: number) => {
    const step: SyncStep = {
      phase,
      wave,
      startedAt: new Date().toISOString(),
      objects: count,
    };
    steps.push(step);
    progress();
    return step;
  };
  const endStep = (step: SyncStep, message?: string) => {
    step.finishedAt = new Date().toISOString();
    if (message) step.message = message;
    else delete step.message;
    progress();
  };

  /**
   * Deletes the live object and creates `object` in its place. Never for a
   * Namespace or a CRD (deleting one deletes everything it holds), and only
   * what the application may delete (the guard prune uses). Once deleted,
   * the create is always tried, so a termination does not leave it gone.
   */
  const recreate = async (
    live: KubeObject,
    object: KubeObject,
    option: string,
    refusal: unknown,
  ): Promise<KubeObject> => {
    if (isFoundation(live)) {
      throw new Error(
        `${errorMessage(refusal)}. ${option} does not delete and re-create a ${
          live.kind
        }: that would delete everything it holds; change it by hand`,
      );
    }
    const refused = await input.mayDelete?.(live);
    if (refused) {
      throw new Error(`${errorMessage(refusal)}. ${option}: ${refused}`);
    }
    const uid = live.metadata.uid as string | undefined;
    await client.delete(live, { uid });
    let interrupted: unknown;
    await waitUntil(
      waiter,
      `${describeObject({
        kind: live.kind,
        namespace: live.metadata.namespace,
        name: live.metadata.name,
      })} to be deleted before it is created again`,
      async () => {
        const now = await client.get(live);
        return !now || now.metadata.uid !== uid ? true : undefined;
      },
    ).catch(error => {
      interrupted = error;
    });
    const created = await client.create(object);
    if (interrupted) throw interrupted;
    return created;
  };

  /**
   * A kind not served when the sync was planned, admitted as namespaced
   * (`SkipDryRunOnMissingResource=true`): by now an earlier wave (or a
   * controller) has made the cluster serve it; it must be namespaced.
   */
  const checkDeferredScope = async (object: KubeObject) => {
    const resource = await waitUntil(
      waiter,
      `the cluster to serve ${object.kind} (${object.apiVersion})`,
      async () =>
        client
          .resourceOf(object.apiVersion, object.kind, { fresh: true })
          .catch(() => undefined),
    );
    if (!resource.namespaced) {
      throw new Error(
        `${object.kind} ${object.metadata.name} turned out cluster-scoped on this cluster; it was admitted as namespaced (SkipDryRunOnMissingResource=true) and is not applied`,
      );
    }
  };

  /** A failure's message, led by the manifest file of the object when known. */
  const failureOf = (key: string, error: unknown): string => {
    const file = input.sourceFiles?.get(key);
    return file ? `${file}: ${errorMessage(error)}` : errorMessage(error);
  };

  /**
   * As Argo CD's dry run before a sync: every object to apply is sent as a
   * server-side dry run first, and the objects the server refuses as written
   * fail the sync before any object is applied or any hook runs. Needed only
   * when there is more than one thing to do: a lone object's own apply is
   * its check. Custom resources whose CRD this sync changes are left to
   * their apply: the schema they are judged by comes in an earlier wave.
   */
  const refusedInDryRun = async (): Promise<ResourceChange[]> => {
    const toApply = objects.filter(object => {
      const entry = byObject.get(object)!;
      return entry.action !== 'unchanged' && !deferred.has(entry.key);
    });
    if (toApply.length + hooks.length < 2) return [];
    const changedKinds = new Set(
      toApply
        .filter(o => o.kind === 'CustomResourceDefinition')
        .map(o => `${(o as any).spec?.group}/${(o as any).spec?.names?.kind}`),
    );
    const checked = toApply.filter(
      o => !changedKinds.has(`${groupOf(o)}/${o.kind}`),
    );
    const refusals = await Promise.all(
      checked.map(object =>
        limit(async (): Promise<ResourceChange | undefined> => {
          checkAborted(input.signal);
          try {
            await client.apply(object, { dryRun: true });
            return undefined;
          } catch (error) {
            if (!refusedAsWritten(error)) return undefined;
            const wave = syncWave(object);
            return {
              ...changeOf(resourceRef(object)),
              ...(wave ? { wave } : {}),
              action: 'failed',
              message: failureOf(byObject.get(object)!.key, error),
            };
          }
        }),
      ),
    );
    return refusals.filter((r): r is ResourceChange => r !== undefined);
  };

  const applyOne = async (object: KubeObject): Promise<ResourceChange> => {
    const entry = byObject.get(object)!;
    const ref = resourceRef(object);
    const wave = syncWave(object);
    const change = { ...changeOf(ref), ...(wave ? { wave } : {}) };
    if (entry.action === 'unchanged') {
      return { ...change, action: 'unchanged' };
    }
    const options = objectSyncOptions(object);
    try {
      if (deferred.has(entry.key)) await checkDeferredScope(object);
      let result: KubeObject;
      let action: ResourceChange['action'] | undefined;
      let message: string | undefined;
      if (entry.live && options.replace) {
        try {
          result = await client.replace(
            object,
            String(entry.live.metadata.resourceVersion),
          );
          message = 'Replaced (Replace=true)';
        } catch (error) {
          if (!isImmutableError(error)) throw error;
          result = await recreate(entry.live, object, 'Replace=true', error);
          message = `Deleted and created again (Replace=true): ${errorMessage(
            error,
          )}`;
        }
        action = 'replaced';
      } else if (!entry.live && options.replace) {
        result = await client.create(object);
      } else {
        try {
          result = await client.apply(object);
        } catch (error) {
          if (!entry.live || !isImmutableError(error)) throw error;
          // Force=true, as `kubectl apply --force`: what the server refuses
          // to change is deleted and created again.
          if (!options.force) {
            throw new Error(
              `${errorMessage(
                error,
              )}. To change it, add the annotation mooring.dev/sync-options: Replace=true (or Force=true) to the manifest`,
            );
          }
          result = await recreate(entry.live, object, 'Force=true', error);
          action = 'replaced';
          message = `Deleted and created again (Force=true): ${errorMessage(
            error,
          )}`;
        }
      }
      if (result.metadata.uid) {
        uids.set(entry.key, String(result.metadata.uid));
      }
      comparisons.set(
        entry.key,
        comparisonWith(result, {
          desiredHash: entry.desiredHash,
          inSync: true,
          liveResourceVersion: result.metadata.resourceVersion as string,
        }),
      );
      if (action) return { ...change, action, ...(message ? { message } : {}) };
      if (!entry.live) return { ...change, action: 'created' };
      if (adopted.has(entry.key)) return { ...change, action: 'adopted' };
      return {
        ...change,
        action: sameObject(result, entry.live) ? 'unchanged' : 'configured',
      };
    } catch (error) {
      if (error instanceof SyncInterrupted) throw error;
      return {
        ...change,
        action: 'failed',
        message: failureOf(entry.key, error),
      };
    }
  };
  /** Applies one wave kind by kind; false when an object failed. */
  const applyWave = async (members: KubeObject[]): Promise<boolean> => {
    for (const step of applySteps(members)) {
      checkAborted(input.signal);
      const results = await Promise.all(
        step.map(object => limit(async () => record(await applyOne(object)))),
      );
      if (results.some(r => r.action === 'failed')) return false;
    }
    return true;
  };

  /** Runs hooks of one wave in parallel; false when one failed. */
  const runHooks = async (
    phase: HookPhase,
    wave: number,
    members: KubeObject[],
    runner: Waiter = waiter,
  ): Promise<boolean> => {
    let interruption: SyncInterrupted | undefined;
    const results = await Promise.allSettled(
      members.map(hook =>
        limit(async () => {
          // A hook still queued when another was interrupted never starts.
          if (interruption) throw interruption;
          try {
            return record(await runHook(runner, hook, phase, wave));
          } catch (error) {
            if (error instanceof HookInterrupted) {
              record(error.change);
              interruption ??= error.interruption;
            }
            throw error;
          }
        }),
      ),
    );
    const failure = results.find(r => r.status === 'rejected') as
      | PromiseRejectedResult
      | undefined;
    if (failure) throw interruption ?? failure.reason;
    return !results.some(
      r => r.status === 'fulfilled' && r.value.action === 'failed',
    );
  };

  /** Waits until every object is Healthy (or Suspended); throws when one is Degraded. */
  const waitHealthy = async (members: KubeObject[], what: string) => {
    let waitingOn = members;
    await waitUntil(waiter, what, async () => {
      const still: KubeObject[] = [];
      const lives = await Promise.all(
        waitingOn.map(object => limit(() => client.get(object))),
      );
      for (const [index, object] of waitingOn.entries()) {
        const live = lives[index];
        const assessed = live
          ? health(live)
          : ({ status: 'Missing', message: 'Not in the cluster' } as const);
        if (assessed.status === 'Degraded') {
          throw new WaveDegraded(
            `${describeObject({
              kind: object.kind,
              namespace: object.metadata.namespace,
              name: object.metadata.name,
            })} is Degraded${assessed.message ? `: ${assessed.message}` : ''}`,
          );
        }
        if (assessed.status !== 'Healthy' && assessed.status !== 'Suspended') {
          still.push(object);
        }
      }
      waitingOn = still;
      if (still.length) {
        waiter.waiting(
          `${what}: ${still
            .slice(0, 3)
            .map(o => `${o.kind} ${o.metadata.name}`)
            .join(', ')}${
            still.length > 3 ? ` and ${still.length - 3} more` : ''
          }`,
        );
        return undefined;
      }
      return true;
    });
  };

  let failedStep = false;
  let failure: string | undefined;
  let terminated = false;
  let stoppedByDryRun = false;
  const fail = (message?: string) => {
    failedStep = true;
    if (message && !failure) failure = message;
  };
  try {
    const syncHooks = hooksOf(hooks, 'Sync', syncWave);
    const groups = mergeWaves(waveGroups(objects), syncHooks);
    const preSync = hooksOf(hooks, 'PreSync', syncWave);
    // 0. Nothing is applied when the server refuses an object as written.
    if (!selective) {
      const refused = await refusedInDryRun();
      for (const change of refused) record(change);
      if (refused.length) {
        // As Argo CD, a sync its dry run stopped runs no SyncFail hook:
        // nothing started that would need cleaning up.
        stoppedByDryRun = true;
        fail(
          `Nothing was applied: the cluster refused ${
            refused.length === 1 ? 'an object' : `${refused.length} objects`
          } in a dry run`,
        );
      }
    }
    // 0. The application's Namespaces and CRDs come before its PreSync
    //    hooks too: hooks live in them.
    if (
      !failedStep &&
      preSync.length &&
      groups[0] &&
      !groups[0].hooks.length &&
      groups[0].objects.every(isFoundation)
    ) {
      const foundation = groups.shift()!;
      const step = beginStep(
        'Sync',
        foundation.wave,
        foundation.objects.length,
      );
      const ok = await applyWave(foundation.objects);
      endStep(step, ok ? undefined : 'An object failed to apply');
      if (!ok) fail();
    }
    // 1. PreSync hooks, wave by wave.
    for (const group of failedStep ? [] : preSync) {
      const step = beginStep('PreSync', group.wave, group.hooks.length);
      const ok = await runHooks('PreSync', group.wave, group.hooks);
      endStep(step, ok ? undefined : 'A hook failed');
      if (!ok) {
        fail();
        break;
      }
    }
    // 2. The objects and the Sync hooks, wave by wave; each wave waits for
    //    the one before to be Healthy.
    const postSync = hooksOf(hooks, 'PostSync', syncWave);
    for (let i = 0; i < groups.length && !failedStep; i++) {
      const group = groups[i];
      const step = beginStep(
        'Sync',
        group.wave,
        group.objects.length + group.hooks.length,
      );
      if (!(await applyWave(group.objects))) {
        endStep(step, 'An object failed to apply');
        fail();
        break;
      }
      if (!(await runHooks('Sync', group.wave, group.hooks))) {
        endStep(step, 'A hook failed');
        fail();
        break;
      }
      const last = i === groups.length - 1;
      if (!selective && (!last || postSync.length) && group.objects.length) {
        try {
          await waitHealthy(
            group.objects,
            last
              ? 'every object to be Healthy'
              : `wave ${group.wave} to be Healthy`,
          );
          step.healthyAt = new Date().toISOString();
        } catch (error) {
          if (!(error instanceof WaveDegraded)) {
            endStep(step, errorMessage(error));
            throw error;
          }
          endStep(step, errorMessage(error));
          fail(`Wave ${group.wave}: ${errorMessage(error)}`);
          break;
        }
      }
      endStep(step);
    }
    // 3. Prune what left Git.
    let survivors = selective
      ? []
      : staleEntries(input.previousInventory, inventoryOf(objects));
    if (input.prune && !failedStep && !selective) {
      checkAborted(input.signal);
      const pruned = await pruneObjects({
        applicationId: input.applicationId,
        client,
        entries: survivors,
        logger: input.logger,
        mayDelete: input.mayDelete,
        mode: 'prune',
      });
      for (const change of pruned.changes) record(change);
      survivors = pruned.survivors;
      kept.push(...pruned.kept);
      if (pruned.changes.some(c => c.action === 'failed')) fail();
    }
    // 4. PostSync hooks, once everything is Healthy.
    for (const group of failedStep ? [] : postSync) {
      const step = beginStep('PostSync', group.wave, group.hooks.length);
      const ok = await runHooks('PostSync', group.wave, group.hooks);
      endStep(step, ok ? undefined : 'A hook failed');
      if (!ok) {
        fail();
        break;
      }
    }
    return finish(survivors);
  } catch (error) {
    if (!(error instanceof SyncInterrupted)) throw error;
    terminated = error.reason === 'terminated';
    fail(error.message);
    const last = steps[steps.length - 1];
    if (last && !last.finishedAt) endStep(last, error.message);
    return finish(
      selective
        ? []
        : staleEntries(input.previousInventory, inventoryOf(objects)),
    );
  }

  async function finish(survivors: Inventory): Promise<AppliedPlan> {
    // 5. A failed sync runs its SyncFail hooks (not a terminated one), with
    //    a wave's time of their own.
    if (failedStep && !terminated && !selective && !stoppedByDryRun) {
      const failHooks = hooksOf(hooks, 'SyncFail', syncWave);
      const runner: Waiter = {
        ...waiter,
        deadline: Date.now() + timeouts.waveMs,
      };
      for (const group of failHooks) {
        const step = beginStep('SyncFail', group.wave, group.hooks.length);
        try {
          const ok = await runHooks(
            'SyncFail',
            group.wave,
            group.hooks,
            runner,
          );
          endStep(step, ok ? undefined : 'A hook failed');
        } catch (error) {
          endStep(step, errorMessage(error));
          break;
        }
      }
    }
    let applied: Inventory;
    if (failedStep) {
      applied = inventoryOf(
        objects.filter(o =>
          changes.some(
            c =>
              !c.hook &&
              c.action !== 'failed' &&
              c.kind === o.kind &&
              c.name === o.metadata.name &&
              c.namespace === (o.metadata.namespace ?? ''),
          ),
        ),
      ).concat(input.previousInventory);
    } else if (selective) {
      applied = inventoryOf(objects).concat(input.previousInventory);
    } else {
      applied = inventoryOf(objects);
    }
    return {
      changes,
      failedStep,
      ...(failure ? { failure } : {}),
      ...(terminated ? { terminated } : {}),
      inventory: mergeInventory(
        recordedInventory(dedupe(applied), {
          planned: plan.objects,
          applied: uids,
          adopted,
          previous: input.previousInventory,
        }),
        survivors,
      ),
      comparisons,
      kept,
      steps,
    };
  }
}

function dedupe(inventory: Inventory): Inventory {
  const byKey = new Map<string, InventoryEntry>();
  for (const entry of inventory) {
    const key = entryKey(entry);
    if (!byKey.has(key)) byKey.set(key, entry);
  }
  return [...byKey.values()];
}

/** Object waves and Sync hook waves, merged by wave in order. */
function mergeWaves(
  objectWaves: Array<{ wave: number; objects: KubeObject[]; first?: boolean }>,
  hookWaves: Array<{ wave: number; hooks: KubeObject[] }>,
): Array<{ wave: number; objects: KubeObject[]; hooks: KubeObject[] }> {
  const merged = objectWaves.map(w => ({
    wave: w.wave,
    objects: w.objects,
    hooks: [] as KubeObject[],
    crdsAndNamespaces: w.objects.every(isFoundation),
  }));
  for (const hookWave of hookWaves) {
    const same = merged.find(
      m => !m.crdsAndNamespaces && m.wave === hookWave.wave,
    );
    if (same) {
      same.hooks.push(...hookWave.hooks);
      continue;
    }
    let at = merged.findIndex(
      m => !m.crdsAndNamespaces && m.wave > hookWave.wave,
    );
    if (at < 0) at = merged.length;
    merged.splice(at, 0, {
      wave: hookWave.wave,
      objects: [],
      hooks: hookWave.hooks,
      crdsAndNamespaces: false,
    });
  }
  return merged.map(({ wave, objects, hooks }) => ({ wave, objects, hooks }));
}

function isFoundation(object: KubeObject): boolean {
  const group = groupOf(object);
  return (
    (object.kind === 'CustomResourceDefinition' &&
      group === 'apiextensions.k8s.io') ||
    (object.kind === 'Namespace' && group === '')
  );
}

/**
 * Inventory entries as they are recorded: with the uid of the object each
 * names (from `applied` apply results first, else the live object of the
 * plan, else as recorded), and marked `adopted` when the object was taken
 * over now or, as the same object, before.
 */
export function recordedInventory(
  inventory: Inventory,
  sources: {
    planned: Array<{ key: string; live?: KubeObject }>;
    applied?: ReadonlyMap<string, string>;
    adopted?: ReadonlySet<string>;
    previous?: Inventory;
  },
): Inventory {
  const live = new Map(sources.planned.map(p => [p.key, p.live?.metadata.uid]));
  const before = new Map((sources.previous ?? []).map(e => [entryKey(e), e]));
  return inventory.map(entry => {
    const key = entryKey(entry);
    const uid = sources.applied?.get(key) ?? live.get(key) ?? entry.uid;
    const earlier = before.get(key);
    const adopted =
      sources.adopted?.has(key) ||
      (earlier?.adopted && uid !== undefined && earlier.uid === String(uid));
    return {
      ...entry,
      ...(uid ? { uid: String(uid) } : {}),
      ...(adopted ? { adopted: true } : {}),
    };
  });
}

/**
 * Deletes inventory entries in reverse apply order, each only while the live
 * object still carries this application's tracking id. Returns what was done
 * and the entries that could not be deleted (to stay tracked).
 */
export async function pruneObjects(input: {
  applicationId: string;
  client: ClusterClient;
  entries: InventoryEntry[];
  logger: LoggerService;
  mayDelete?: (live: KubeObject) => Promise<string | undefined>;
  /**
   * `prune`: objects that left Git (`Prune=false` ones stay); `remove`: the
   * objects of a removed application (`Delete=false` ones stay).
   */
  mode?: 'prune' | 'remove';
}): Promise<{
  changes: ResourceChange[];
  survivors: InventoryEntry[];
  /** Objects left in place although they left Git, and why. */
  kept: string[];
}> {
  const { client } = input;
  const changes: ResourceChange[] = [];
  const survivors: InventoryEntry[] = [];
  const kept: string[] = [];
  const byObject = new Map<KubeObject, InventoryEntry>();
  for (const entry of input.entries) {
    byObject.set(refOfEntry(entry) as KubeObject, entry);
  }
  for (const object of sortForDelete([...byObject.keys()])) {
    const entry = byObject.get(object)!;
    const change = changeOf(entry);
    try {
      const live = await client.get(object);
      if (!live) continue;
      const decision = prunable({
        applicationId: input.applicationId,
        entry,
        live,
      });
      if (!decision.prune) {
        // No longer this application's object: forget it, never delete it.
        input.logger.info(
          `Not pruning ${describeObject(entry)} of ${input.applicationId}: ${
            decision.reason
          }`,
        );
        continue;
      }
      if (entry.kind === 'Namespace' && !entry.group && entry.adopted) {
        // It existed before this application: deleting it would delete
        // whatever others keep in it. Forget it, never delete it.
        input.logger.info(
          `Not pruning ${describeObject(entry)} of ${
            input.applicationId
          }: it existed before the application took it over`,
        );
        continue;
      }
      const options = liveSyncOptions(live);
      const keep =
        (input.mode ?? 'prune') === 'prune'
          ? options.noPrune && 'Prune=false'
          : options.noDelete && 'Delete=false';
      if (keep) {
        // Its manifest asks to be left in place: stop tracking it.
        const why = `${describeObject(entry)} (${keep})`;
        kept.push(why);
        changes.push({ ...change, action: 'kept', message: keep });
        continue;
      }
      const refused = await input.mayDelete?.(live);
      if (refused) {
        // Not the application's to delete now (outside its grant, or holding
        // others' objects): leave it in place and stop tracking it, so it is
        // neither deleted later nor shown as waiting for a prune forever.
        kept.push(refused);
        continue;
      }
      await client.delete(object, { uid: entry.uid });
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
  return { changes, survivors, kept };
}
