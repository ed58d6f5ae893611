import type {
  CommitInfo,
  Operation,
  ResourceChange,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import { changeSummary } from '../apply/changeSummary';
import { objectHealth } from '../health/objectHealth';
import { recordSync } from '../metrics';
import { KubeObject, groupOf } from '../kube/kubeObject';
import { SyncInterrupted, checkAborted } from './hookRunner';
import { ignoreRulesFor } from './ignoreRules';
import type { ApplicationState } from './ApplicationRegistry';
import { applyPlan } from './applyPlan';
import { deletionGuard } from './authorizePlan';
import { EngineContext, SyncStageError, errorMessage } from './engineContext';
import { liveFrom, planSync } from './planSync';
import { renderFor } from './renderRevision';
import { recordSyncOutcome } from './syncPolicy';
import type { ApplicationSpec, ObjectSelector, SyncOptions } from './types';

/** The operation a run stands for, as the application's status shows it. */
export function runOperation(
  spec: ApplicationSpec,
  run: SyncRun,
  options: { prune?: boolean; resources?: ObjectSelector[] },
  progress?: { done: number; total: number; waitingFor?: string },
): Operation {
  return {
    id: run.id,
    runId: run.id,
    phase: run.phase,
    revision: run.commit.sha || run.revision,
    initiatedBy: run.initiatedBy,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    message: run.message,
    dryRun: Boolean(run.dryRun),
    prune: Boolean(options.prune ?? spec.policy.prune),
    progress: progress && { done: progress.done, total: progress.total },
    changes: run.changes,
    ...(run.steps?.length ? { steps: run.steps } : {}),
    ...(progress?.waitingFor ? { waitingFor: progress.waitingFor } : {}),
    ...(options.resources?.length
      ? {
          resources: options.resources.map(r => ({
            ...(r.group !== undefined ? { group: r.group } : {}),
            kind: r.kind,
            ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
            name: r.name,
          })),
        }
      : {}),
  };
}

/** True when the object is one a selective sync names. */
export function selects(
  selectors: ObjectSelector[],
): (object: KubeObject) => boolean {
  return object =>
    selectors.some(
      s =>
        s.kind === object.kind &&
        s.name === object.metadata.name &&
        (s.group === undefined || s.group === groupOf(object)) &&
        (s.namespace === undefined ||
          s.namespace === (object.metadata.namespace ?? '')),
    );
}

/**
 * Takes the application's lease and records a Running run; undefined when
 * another replica holds the lease or `stillNeeded` finds the work done.
 */
export async function startSyncRun(
  ctx: EngineContext,
  state: ApplicationState,
  options: SyncOptions,
  stillNeeded?: () => Promise<boolean>,
): Promise<SyncRun | undefined> {
  if (state.syncing) return undefined;
  const run = await ctx.recorder.begin(
    state.spec.id,
    { ...options, defaultRevision: state.spec.source.revision },
    stillNeeded,
  );
  if (!run) return undefined;
  // `stillNeeded` reads the inventory under the lease (see syncByPolicy).
  state.inventoryReadForRun = stillNeeded ? run.id : undefined;
  state.syncing = run;
  // What the sync learns (apply results) is not in a comparison's inputs.
  state.compared = undefined;
  state.abort = new AbortController();
  ctx.update(state, { operation: runOperation(state.spec, run, options) });
  return run;
}

/** Runs `work`; any failure ends the sync in `phase`. */
async function stage<T>(
  phase: 'Failed' | 'Error',
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new SyncStageError(phase, errorMessage(error));
  }
}

function needsDestinationNamespace(
  spec: ApplicationSpec,
  objects: KubeObject[],
) {
  const namespace = spec.destination.namespace;
  return (
    objects.some(o => o.metadata.namespace === namespace) &&
    !objects.some(o => o.kind === 'Namespace' && o.metadata.name === namespace)
  );
}

/**
 * One sync, top to bottom, under the lease `run` was recorded with: render
 * the revision, plan against the live objects, apply in order, prune what
 * left Git, record the inventory and the run, then compare again.
 */
export async function syncApplication(
  ctx: EngineContext,
  state: ApplicationState,
  run: SyncRun,
  options: SyncOptions,
): Promise<void> {
  const { spec } = state;
  const stopRenewing = ctx.recorder.keepLease(spec.id);
  let changes: ResourceChange[] = [];
  let commit: CommitInfo | undefined;
  let phase: SyncRun['phase'] = 'Succeeded';
  let message = '';
  try {
    const { client, cache, authorization, objectsIn } = ctx.clusterFor(state);
    // 1. Resolve the revision and render it.
    const rendered = await stage('Error', async () => {
      const sha = await ctx.git.resolve(
        spec.source.repoUrl,
        options.revision || spec.source.revision,
        { maxAgeMs: 2_000 },
      );
      commit = await ctx.git.commitInfo(spec.source.repoUrl, sha);
      run.commit = commit;
      ctx.emit({
        type: 'syncStarted',
        application: ctx.toApplication(state),
        run,
        options,
      });
      state.rendered = await renderFor(ctx, state, sha);
      return state.rendered;
    });
    // 2. Plan: what differs from the live objects (the watch cache, or the
    //    API server for kinds not watched yet), judged against the grant.
    const inventory =
      state.inventoryReadForRun === run.id && state.inventory
        ? state.inventory
        : await ctx.loadInventory(state, true);
    state.inventoryReadForRun = undefined;
    // A cluster that refuses a read (its RBAC) fails the sync in its words.
    const plan = await stage('Failed', () =>
      planSync({
        applicationId: spec.id,
        rendered,
        inventory,
        previous: state.comparisons,
        live: ref =>
          cache.isSynced(ref.apiVersion, ref.kind, ref.metadata.namespace)
            ? liveFrom(cache)(ref)
            : client.get(ref),
        authorization,
        ignoreDifferences: ignoreRulesFor(ctx, spec),
      }),
    );
    if (plan.refusal) {
      state.automation.refusedRevision = rendered.sha;
      throw new SyncStageError('Failed', plan.refusal);
    }
    // 3. The destination namespace, when an object lives in it. Not when the
    //    grant's service account is impersonated: it lives in that namespace,
    //    so the namespace exists, and a Role of the namespace cannot let it
    //    read the (cluster-scoped) Namespace object.
    if (
      !authorization.grant.serviceAccount &&
      needsDestinationNamespace(spec, rendered.objects)
    ) {
      await stage('Failed', () =>
        client.ensureNamespace(spec.destination.namespace),
      );
    }
    // A selective sync names objects of the application only.
    const only = options.resources?.length
      ? selects(options.resources)
      : undefined;
    if (only && !plan.objects.some(p => only(p.object))) {
      throw new SyncStageError(
        'Failed',
        `No object of the application matches ${options
          .resources!.map(r =>
            [r.group, r.kind, r.namespace, r.name].filter(Boolean).join('/'),
          )
          .join(', ')}`,
      );
    }
    checkAborted(state.abort?.signal);
    // 4. Hooks and waves in order, each wave waiting for the one before;
    //    then prune what left Git, then the PostSync hooks.
    const applied = await applyPlan({
      applicationId: spec.id,
      plan,
      sourceFiles: rendered.sourceFiles,
      client,
      previousInventory: inventory,
      prune: options.prune ?? spec.policy.prune,
      mayDelete: deletionGuard(authorization, {
        applicationId: spec.id,
        objectsIn,
      }),
      concurrency: ctx.applyConcurrency,
      logger: ctx.logger,
      health: live => objectHealth(live, ctx.healthChecks),
      signal: state.abort?.signal,
      timeouts: ctx.syncTimeouts,
      only,
      onProgress({ changes: done, done: count, total, steps, waitingFor }) {
        run.changes = done;
        run.steps = steps;
        ctx.update(state, {
          operation: runOperation(spec, run, options, {
            done: count,
            total,
            waitingFor,
          }),
        });
      },
    });
    changes = applied.changes;
    run.steps = applied.steps;
    for (const [key, comparison] of applied.comparisons) {
      state.comparisons.set(key, comparison);
    }
    // 5. Record what the application now tracks, and the commit when all applied.
    const failed = changes.filter(c => c.action === 'failed');
    phase = failed.length || applied.failedStep ? 'Failed' : 'Succeeded';
    const why = [
      ...(applied.failure ? [applied.failure] : []),
      ...failed.slice(0, 3).map(c => c.message),
    ];
    message =
      phase === 'Failed'
        ? `${changeSummary(changes)}. ${why.join('; ')}`
        : changeSummary(changes);
    if (applied.kept.length) {
      message += `. Left in place and no longer tracked: ${applied.kept
        .slice(0, 3)
        .join('; ')}`;
    }
    state.inventory = applied.inventory;
    // A selective sync applied part of the revision: it is not synced.
    const synced = phase === 'Succeeded' && !only;
    await ctx.store.saveInventory(spec.id, {
      cluster: spec.destination.cluster,
      entries: applied.inventory,
      syncedRevision: synced ? rendered.sha : state.facts.syncedRevision,
    });
    if (synced) {
      ctx.update(state, { syncedRevision: rendered.sha });
    }
  } catch (error) {
    phase =
      error instanceof SyncStageError || error instanceof SyncInterrupted
        ? 'Failed'
        : 'Error';
    if (error instanceof SyncStageError) phase = error.phase;
    message = errorMessage(error);
  } finally {
    stopRenewing();
  }
  // 6. Record the run, release the lease, and let automation and listeners know.
  try {
    await ctx.recorder.finish(spec.id, run, {
      phase,
      message,
      changes,
      commit,
    });
  } finally {
    state.syncing = undefined;
    state.abort = undefined;
    state.compared = undefined;
  }
  recordSync({
    cluster: spec.destination.cluster,
    phase,
    initiatedBy: run.initiatedBy,
    seconds:
      (Date.parse(run.finishedAt ?? '') - Date.parse(run.startedAt)) / 1000 ||
      0,
  });
  recordSyncOutcome(state.automation, phase === 'Succeeded', Date.now());
  ctx.update(state, { operation: runOperation(spec, run, options) });
  if (phase !== 'Succeeded') {
    ctx.emit({
      type: 'syncFailed',
      application: ctx.toApplication(state),
      run,
    });
  }
  try {
    await ctx.compare(state);
  } finally {
    ctx.emit({
      type: 'syncFinished',
      application: ctx.toApplication(state),
      run,
      options,
    });
  }
}
