import { entryKey, inventoryOf, mergeInventory } from '../apply/inventory';
import { recordedInventory } from './applyPlan';
import { ClusterError } from '../kube/ClusterClient';
import { WatchRetrying } from '../kube/ClusterCache';
import { keyOfObject } from '../kube/kubeObject';
import type { ApplicationState } from './ApplicationRegistry';
import { applicationStatus } from './applicationStatus';
import {
  compareApplication,
  comparisonInputs,
  reusableComparison,
  watchKinds,
} from './compareApplication';
import { matchesExpected, refOfEntry } from './planSync';
import { clusterAllowed } from '../tenancy';
import { EngineContext, errorMessage } from './engineContext';
import { ignoreRulesFor } from './ignoreRules';
import { renderFor } from './renderRevision';
import { startSyncRun, syncApplication } from './syncApplication';
import {
  AutomationContext,
  driftFrom,
  readSteering,
  windowSubject,
} from './automation';
import { AutomaticSync, automaticSyncDue, recordSelfHeal } from './syncPolicy';
import type { SyncOptions } from './types';

/** Who a sync caused by a new commit is recorded as started by. */
export type NewCommitInitiator = 'auto' | 'webhook';

/**
 * One application, top to bottom: resolve the source, render, compare with
 * the cluster, then sync when the policy says so. Runs inside the
 * application's queue.
 */
export async function reconcileApplication(
  ctx: AutomationContext,
  state: ApplicationState,
  options: { fresh?: boolean; initiatedBy?: NewCommitInitiator },
): Promise<void> {
  const { spec } = state;
  // 1. Source: which commit does the revision point at now?
  let sha: string;
  try {
    sha = await ctx.git.resolve(spec.source.repoUrl, spec.source.revision, {
      maxAgeMs: options.fresh ? 0 : 10_000,
    });
  } catch (error) {
    ctx.update(state, {
      problem: { message: `Git: ${errorMessage(error)}`, fromSource: true },
    });
    return;
  }
  ctx.update(state, { targetRevision: sha });
  if (spec.policy.sync === 'auto' && sha !== state.facts.syncedRevision) {
    // What a sync records of the commit is read while it renders (once per
    // commit, however many applications follow it).
    ctx.git.commitInfo(spec.source.repoUrl, sha).catch(() => undefined);
  }
  // 2. Render that commit (once per commit).
  try {
    state.rendered = await renderFor(ctx, state, sha);
  } catch (error) {
    const message = `Rendering ${spec.source.path} at ${sha.slice(
      0,
      7,
    )} failed: ${errorMessage(error)}`;
    ctx.update(state, { problem: { message, fromSource: true } });
    return;
  }
  // 3. Compare with the cluster.
  if (!(await recordComparison(ctx, state))) return;
  // 4. Sync when the policy asks for it.
  await syncByPolicy(ctx, state, options.initiatedBy ?? 'auto');
}

/**
 * Compares the application with its cluster and records the outcome: the
 * comparison, or the problem that prevented it. Returns false on failure.
 */
export async function recordComparison(
  ctx: EngineContext,
  state: ApplicationState,
  options: {
    /**
     * Compared for a live change alone, Git not asked: a Git or render
     * problem stands (only a reconcile that gets past it ends it).
     */
    liveChange?: boolean;
  } = {},
): Promise<boolean> {
  const { spec, rendered } = state;
  if (!rendered) return false;
  const name = spec.destination.cluster;
  try {
    const { cache, client, authorization } = ctx.clusterFor(state);
    const inventory = await ctx.loadInventory(state);
    const mayUseCluster = clusterAllowed(
      authorization.grant,
      authorization.cluster,
    );
    if (mayUseCluster) {
      await watchKinds(cache, [
        ...rendered.objects,
        ...inventory.map(refOfEntry),
      ]);
    }
    const inputs = mayUseCluster
      ? comparisonInputs(spec, rendered, inventory, cache)
      : undefined;
    let comparison = inputs && reusableComparison(state.compared, inputs);
    if (!comparison) {
      comparison = await compareApplication({
        authorization,
        applicationId: spec.id,
        rendered,
        inventory,
        previous: state.comparisons,
        cache,
        client,
        healthChecks: ctx.healthChecks,
        ignoreDifferences: ignoreRulesFor(ctx, spec),
        watched: true,
      });
      for (const [key, value] of comparison.plan.comparisons) {
        state.comparisons.set(key, value);
      }
      // Read again before it is kept: the comparison may have waited on
      // the cluster (a dry run) while the live objects changed.
      state.compared =
        inputs &&
        comparisonInputs(spec, rendered, inventory, cache).live === inputs.live
          ? { inputs, comparison }
          : undefined;
    }
    state.resources = comparison.resources;
    state.stale = comparison.plan.stale;
    state.refused = new Set(
      comparison.plan.objects.filter(p => p.refused).map(p => p.key),
    );
    const syncedWithoutRun = () =>
      comparison.synced &&
      !comparison.refusal &&
      !state.syncing &&
      rendered.sha === state.facts.targetRevision &&
      rendered.sha !== state.facts.syncedRevision;
    let mayRecord = false;
    if (syncedWithoutRun()) {
      // Another replica may have just synced this commit: then its
      // inventory stands, and this replica only learns of it.
      const syncedBefore = state.facts.syncedRevision;
      await ctx.loadInventory(state, true);
      mayRecord =
        syncedWithoutRun() &&
        (await notOlderThanRecorded(ctx, state, rendered.sha, syncedBefore));
    }
    if (mayRecord && syncedWithoutRun()) {
      // The cluster already equals this commit (it touched nothing of this
      // application): it is synced without a run.
      // Objects that left Git but are still live (IgnoreExtraneous ones
      // count as synced) stay tracked, to be pruned by the next sync.
      state.inventory = mergeInventory(
        recordedInventory(inventoryOf(rendered.objects), {
          planned: comparison.plan.objects,
          adopted: new Set(comparison.plan.adopted.map(entryKey)),
          previous: state.inventory,
        }),
        comparison.plan.stale.map(s => s.entry),
      );
      await ctx.store.saveInventory(spec.id, {
        cluster: name,
        entries: state.inventory,
        syncedRevision: rendered.sha,
      });
      ctx.update(state, { syncedRevision: rendered.sha });
    }
    const { synced, health, message, refusal } = comparison;
    ctx.retries.reset(spec.id, 'trouble');
    const { problem } = state.facts;
    ctx.update(state, {
      problem: options.liveChange && problem?.fromSource ? problem : undefined,
      retrying: undefined,
      comparison: { synced, health, message, refusal },
    });
    return true;
  } catch (error) {
    recordClusterTrouble(ctx, state, error);
    return false;
  }
}

/**
 * Whether `sha`, which the cluster equals, may be recorded as synced over
 * what the database holds: never a commit older than one another replica
 * recorded (a replica whose view of the branch lags would otherwise set the
 * synced commit back, and the next look would sync the newer one again).
 * A recorded commit this replica knew before is checked against its last
 * listing of the branch; one it did not know, against the branch as it is
 * now. When `sha` is not the head, the application is looked at again.
 */
async function notOlderThanRecorded(
  ctx: EngineContext,
  state: ApplicationState,
  sha: string,
  syncedBefore: string | undefined,
): Promise<boolean> {
  const recorded = state.facts.syncedRevision;
  if (!recorded) return true;
  const { repoUrl, revision } = state.spec.source;
  const known =
    recorded === syncedBefore && ctx.git.seenAsHead(repoUrl, recorded);
  const head = await ctx.git.resolve(repoUrl, revision, {
    maxAgeMs: known ? 10_000 : 0,
  });
  if (head === sha) return true;
  ctx.update(state, { targetRevision: head });
  ctx.retries.schedule(state.spec.id, 'lease');
  return false;
}

/** True for a failure that may pass in seconds: a watch being retried, a lost connection, 429 or 5xx. */
function mayPass(error: unknown): boolean {
  if (error instanceof WatchRetrying) return true;
  return error instanceof ClusterError && error.transient;
}

/**
 * Records why the cluster could not be compared. A failure that may pass
 * is retried within seconds while the last comparison stands (the status
 * says "Retrying…"); once the cluster has failed for
 * `clusterUnreachableAfterMs`, or for a failure that will not pass (RBAC,
 * a cluster not configured), sync and health are Unknown.
 */
function recordClusterTrouble(
  ctx: EngineContext,
  state: ApplicationState,
  error: unknown,
) {
  const name = state.spec.destination.cluster;
  const message = errorMessage(error);
  if (!mayPass(error)) {
    ctx.update(state, {
      retrying: undefined,
      problem: {
        message: /is not configured/.test(message)
          ? message
          : `Cluster ${name}: ${message}`,
        healthUnknown: true,
      },
    });
    return;
  }
  const now = Date.now();
  const since = state.facts.retrying?.since ?? now;
  const { attempt, nextAt } = ctx.retries.schedule(state.spec.id, 'trouble');
  const retrying = {
    since,
    message:
      error instanceof WatchRetrying
        ? message
        : `Retrying the comparison with cluster ${name} (attempt ${attempt}, next in ${Math.max(
            1,
            Math.ceil((nextAt - now) / 1000),
          )} s): ${message}`,
  };
  const failingMs = now - since;
  ctx.update(state, {
    retrying,
    problem:
      failingMs >= ctx.clusterUnreachableAfterMs
        ? {
            message: `Cluster ${name} has not answered for ${Math.round(
              failingMs / 1000,
            )} s. ${retrying.message}`,
            healthUnknown: true,
          }
        : undefined,
  });
}

/**
 * Runs the automatic sync the policy asks for, if any. Runs inside the
 * queue. What people decided (suspended, pinned by a rollback) is read from
 * the database first, and again once the lease is ours: any replica may have
 * changed it. A sync window that holds automation back records nothing; the
 * status says why.
 */
export async function syncByPolicy(
  ctx: AutomationContext,
  state: ApplicationState,
  newCommitBy: NewCommitInitiator,
): Promise<void> {
  if (state.syncing || state.facts.retrying) return;
  const { spec } = state;
  try {
    // What people decided is read again under the lease (`stillNeeded`),
    // which is what counts. Read before only when it may change the answer:
    // an application in sync needs nothing whatever it says, and one this
    // replica knows neither suspended nor pinned is checked under the lease.
    const { suspension, pin } = state.automation.steering;
    if (
      (suspension || pin) &&
      applicationStatus(state.facts).sync === 'OutOfSync'
    ) {
      await readSteering(ctx, state);
    }
  } catch (error) {
    ctx.logger.warn(
      `Not syncing ${
        spec.id
      } automatically: could not read whether its automation is suspended: ${errorMessage(
        error,
      )}`,
    );
    return;
  }
  const now = Date.now();
  const due = dueNow(ctx, state, now);
  if (!due) {
    ctx.retries.reset(spec.id, 'lease');
    retryFailedSyncLater(ctx, state);
    return;
  }
  try {
    if (due.reason === 'self-heal' && due.revision) {
      if (!(await driftFrom(ctx, state, due.revision))) return;
    }
    // Self-heal of a guarded commit names it, so the newer one is not applied.
    const options: SyncOptions = {
      initiatedBy: due.reason === 'auto' ? newCommitBy : 'self-heal',
      ...(due.reason === 'self-heal' && due.revision
        ? { revision: due.revision }
        : {}),
    };
    const syncedBefore = state.facts.syncedRevision;
    const run = await startSyncRun(ctx, state, options, () =>
      stillNeeded(ctx, state, due, syncedBefore),
    );
    if (!run) {
      // Another replica holds the lease, or has just done the work: look
      // again (Git, render, compare) once it is done, so this replica
      // neither acts on that replica's change nor shows a stale status.
      ctx.retries.schedule(spec.id, 'lease');
      return;
    }
    ctx.retries.reset(spec.id, 'lease');
    if (due.reason === 'self-heal') recordSelfHeal(state.automation, now);
    await syncApplication(ctx, state, run, options);
    retryFailedSyncLater(ctx, state);
    ctx.emit({
      type: 'automaticSync',
      application: ctx.toApplication(state),
      run,
    });
  } catch (error) {
    ctx.logger.warn(`Sync of ${spec.id} failed: ${errorMessage(error)}`);
  }
}

/**
 * A failed sync holds automation back for a while (see `recordSyncOutcome`):
 * the application is looked at again when that ends, not at the next
 * reconcile interval.
 */
function retryFailedSyncLater(ctx: EngineContext, state: ApplicationState) {
  const { autoFailures, nextAutoAttempt } = state.automation;
  if (autoFailures > 0 && nextAutoAttempt > Date.now()) {
    ctx.retries.schedule(state.spec.id, 'sync', nextAutoAttempt);
  }
}

/** The automatic sync due now, unless a sync window holds automation back. */
function dueNow(
  ctx: AutomationContext,
  state: ApplicationState,
  now: number,
): AutomaticSync | undefined {
  const verdict = ctx.windows.verdict(windowSubject(state.spec), new Date(now));
  if (!verdict.automation) return undefined;
  return automaticSyncDue(
    state.spec,
    applicationStatus(state.facts),
    state.automation,
    now,
  );
}

/**
 * Whether an automatic sync is still needed once the lease is ours: another
 * replica may have done it since this one looked (then this one looks
 * again before it acts: what it took for drift may be that replica's
 * change), a person may have suspended or pinned the application, or a
 * sync window may hold it back now. `syncedBefore` is the synced commit
 * this replica decided on.
 */
async function stillNeeded(
  ctx: AutomationContext,
  state: ApplicationState,
  due: AutomaticSync,
  syncedBefore: string | undefined,
): Promise<boolean> {
  await ctx.loadInventory(state, true);
  await readSteering(ctx, state);
  const { suspension, pin } = state.automation.steering;
  if (suspension) return false;
  if (!ctx.windows.verdict(windowSubject(state.spec)).automation) return false;
  if (due.reason === 'auto') {
    if (pin) return false;
    // An older commit must never be applied over a newer one another
    // replica synced meanwhile, nor a commit synced again because this
    // application's target was resolved before it. When the synced commit
    // is one this replica has seen as the head, its last listing of the
    // branch names that commit or a newer one (read from the cache, no
    // request); otherwise it asks for the branch's head as it is now.
    // (Asking every time costs one `git ls-remote` per automatic sync,
    // which dominated a fleet's cold start.)
    const { repoUrl, revision } = state.spec.source;
    const synced = state.facts.syncedRevision;
    if (synced && synced !== state.facts.targetRevision) {
      const sha = await ctx.git.resolve(repoUrl, revision, {
        maxAgeMs: ctx.git.seenAsHead(repoUrl, synced) ? 10_000 : 0,
      });
      ctx.update(state, { targetRevision: sha });
    }
    return state.facts.targetRevision !== synced;
  }
  // Another replica synced meanwhile: what looked like drift may be its
  // change; this replica looks again (Git, render, compare) before acting.
  if (state.facts.syncedRevision !== syncedBefore) return false;
  if (!pin) {
    // A commit this replica has not seen (another replica may have failed
    // part-way through it, which looks like drift here): the application
    // is looked at again with it rather than healed back to the older one.
    const { repoUrl, revision } = state.spec.source;
    const head = await ctx.git.resolve(repoUrl, revision, { maxAgeMs: 0 });
    if (head !== state.facts.targetRevision) {
      ctx.update(state, { targetRevision: head });
      return false;
    }
  }
  const { facts, rendered } = state;
  const guarded = pin?.revision ?? facts.syncedRevision;
  if (due.revision) {
    return due.revision === guarded && driftFrom(ctx, state, due.revision);
  }
  // The comparison must be with the commit self-heal guards, not an older one.
  if (
    !rendered ||
    guarded !== facts.targetRevision ||
    rendered.sha !== guarded
  ) {
    return false;
  }
  const { client } = ctx.clusterFor(state);
  for (const object of rendered.objects) {
    const comparison = state.comparisons.get(keyOfObject(object));
    if (comparison?.inSync) continue;
    const live = await client.get(object);
    if (!live || !matchesExpected(live, comparison)) return true;
  }
  return state.stale.length > 0;
}
