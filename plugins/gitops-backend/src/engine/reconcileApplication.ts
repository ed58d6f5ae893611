import { entryKey, inventoryOf } from '../apply/inventory';
import { recordedInventory } from './applyPlan';
import { sameObject } from '../diff/normalize';
import { keyOfObject } from '../kube/kubeObject';
import type { ApplicationState } from './ApplicationRegistry';
import { applicationStatus } from './applicationStatus';
import { compareApplication } from './compareApplication';
import { EngineContext, errorMessage } from './engineContext';
import { ignoreRulesFor } from './ignoreRules';
import { renderFor } from './renderRevision';
import { startSyncRun, syncApplication } from './syncApplication';
import { automaticSyncDue, recordSelfHeal } from './syncPolicy';

/** Who a sync caused by a new commit is recorded as started by. */
export type NewCommitInitiator = 'auto' | 'webhook';

/**
 * One application, top to bottom: resolve the source, render, compare with
 * the cluster, then sync when the policy says so. Runs inside the
 * application's queue.
 */
export async function reconcileApplication(
  ctx: EngineContext,
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
    ctx.update(state, { problem: { message: `Git: ${errorMessage(error)}` } });
    return;
  }
  ctx.update(state, { targetRevision: sha });
  // 2. Render that commit (once per commit).
  try {
    state.rendered = await renderFor(ctx, state, sha);
  } catch (error) {
    const message = `Rendering ${spec.source.path} at ${sha.slice(
      0,
      7,
    )} failed: ${errorMessage(error)}`;
    ctx.update(state, { problem: { message } });
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
): Promise<boolean> {
  const { spec, rendered } = state;
  if (!rendered) return false;
  const name = spec.destination.cluster;
  try {
    const { cache, client, authorization } = ctx.clusterFor(state);
    const comparison = await compareApplication({
      authorization,
      applicationId: spec.id,
      rendered,
      inventory: await ctx.loadInventory(state),
      previous: state.comparisons,
      cache,
      client,
      healthChecks: ctx.healthChecks,
      ignoreDifferences: ignoreRulesFor(ctx, spec),
    });
    for (const [key, value] of comparison.plan.comparisons) {
      state.comparisons.set(key, value);
    }
    state.resources = comparison.resources;
    state.stale = comparison.plan.stale;
    state.refused = new Set(
      comparison.plan.objects.filter(p => p.refused).map(p => p.key),
    );
    const { facts } = state;
    if (
      comparison.synced &&
      !comparison.refusal &&
      !state.syncing &&
      rendered.sha === facts.targetRevision &&
      rendered.sha !== facts.syncedRevision
    ) {
      // The cluster already equals this commit (it touched nothing of this
      // application): it is synced without a run.
      state.inventory = recordedInventory(inventoryOf(rendered.objects), {
        planned: comparison.plan.objects,
        adopted: new Set(comparison.plan.adopted.map(entryKey)),
        previous: state.inventory,
      });
      await ctx.store.saveInventory(spec.id, {
        cluster: name,
        entries: state.inventory,
        syncedRevision: rendered.sha,
      });
      ctx.update(state, { syncedRevision: rendered.sha });
    }
    const { synced, health, message, refusal } = comparison;
    ctx.update(state, {
      problem: undefined,
      comparison: { synced, health, message, refusal },
    });
    return true;
  } catch (error) {
    const message = errorMessage(error);
    ctx.update(state, {
      problem: {
        message: /is not configured/.test(message)
          ? message
          : `Cluster ${name}: ${message}`,
        healthUnknown: true,
      },
    });
    return false;
  }
}

/** Runs the automatic sync the policy asks for, if any. Runs inside the queue. */
export async function syncByPolicy(
  ctx: EngineContext,
  state: ApplicationState,
  newCommitBy: NewCommitInitiator,
): Promise<void> {
  if (state.syncing) return;
  const now = Date.now();
  const status = applicationStatus(state.facts);
  const due = automaticSyncDue(state.spec, status, state.automation, now);
  if (!due) return;
  if (due === 'self-heal') recordSelfHeal(state.automation, now);
  const options = { initiatedBy: due === 'auto' ? newCommitBy : due };
  try {
    const run = await startSyncRun(ctx, state, options, () =>
      stillNeeded(ctx, state, due),
    );
    if (run) await syncApplication(ctx, state, run, options);
  } catch (error) {
    ctx.logger.warn(`Sync of ${state.spec.id} failed: ${errorMessage(error)}`);
  }
}

/**
 * Whether an automatic sync is still needed once the lease is ours: another
 * replica may have done it since this one looked.
 */
async function stillNeeded(
  ctx: EngineContext,
  state: ApplicationState,
  reason: 'auto' | 'self-heal',
): Promise<boolean> {
  await ctx.loadInventory(state, true);
  const { facts, rendered } = state;
  if (reason === 'auto') return facts.targetRevision !== facts.syncedRevision;
  if (!rendered) return false;
  const { client } = ctx.clusterFor(state);
  for (const object of rendered.objects) {
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
