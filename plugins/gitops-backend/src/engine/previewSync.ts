import crypto from 'node:crypto';
import type { ResourceChange, SyncRun } from '@mooring/plugin-gitops-common';
import { hookPhases, liveSyncOptions } from '../apply/syncAnnotations';
import { sortForApply, syncWave } from '../apply/syncOrder';
import { changeSummary } from '../apply/changeSummary';
import { resourceRef } from '../kube/kubeObject';
import type { ApplicationState } from './ApplicationRegistry';
import type { EngineContext } from './engineContext';
import { ignoreRulesFor } from './ignoreRules';
import { planSync } from './planSync';
import { renderFor } from './renderRevision';
import { selects } from './syncApplication';
import type { SyncOptions } from './types';

const ACTIONS = {
  create: 'created',
  update: 'configured',
  unchanged: 'unchanged',
  failed: 'failed',
} as const;

/**
 * A dry run: what a sync of the revision would change, judged by the API
 * server object by object, recorded in the history and applied nowhere. The
 * state other readers see (rendered revision, comparisons) is left alone.
 */
export async function previewSync(
  ctx: EngineContext,
  state: ApplicationState,
  options: SyncOptions,
): Promise<SyncRun> {
  const { spec } = state;
  const startedAt = new Date().toISOString();
  const sha = await ctx.git.resolve(
    spec.source.repoUrl,
    options.revision || spec.source.revision,
    { maxAgeMs: 0 },
  );
  const commit = await ctx.git.commitInfo(spec.source.repoUrl, sha);
  const rendered = await renderFor(ctx, state, sha);
  const { client, authorization } = ctx.clusterFor(state);
  const plan = await planSync({
    applicationId: spec.id,
    rendered,
    inventory: await ctx.loadInventory(state),
    previous: new Map(),
    live: ref => client.get(ref),
    dryRun: object => client.apply(object, { dryRun: true }),
    recordFailures: true,
    authorization,
    ignoreDifferences: ignoreRulesFor(ctx, spec),
  });
  // By the rendered object: the planned one may be without ignored fields.
  const byObject = new Map(
    plan.objects.map((p, i) => [rendered.objects[i], p]),
  );
  const only = options.resources?.length
    ? selects(options.resources)
    : undefined;
  const changes: ResourceChange[] = sortForApply(
    only ? rendered.objects.filter(only) : rendered.objects,
  ).map(object => {
    const planned = byObject.get(object)!;
    const { kind, namespace, name } = resourceRef(object);
    return {
      kind,
      namespace,
      name,
      action: ACTIONS[planned.action],
      ...(planned.message ? { message: planned.message } : {}),
    };
  });
  for (const { kind, namespace, name } of plan.adopted) {
    const change = changes.find(
      c => c.kind === kind && c.namespace === namespace && c.name === name,
    );
    if (change && change.action !== 'failed') change.action = 'adopted';
  }
  if ((options.prune ?? spec.policy.prune) && !options.resources?.length) {
    for (const { entry, live } of plan.stale) {
      const { kind, namespace, name } = entry;
      changes.push(
        liveSyncOptions(live).noPrune
          ? { kind, namespace, name, action: 'kept', message: 'Prune=false' }
          : { kind, namespace, name, action: 'deleted' },
      );
    }
  }
  // The hooks it would run (a selective sync runs none).
  for (const { object } of options.resources?.length ? [] : plan.hooks) {
    const phases = hookPhases(object).filter(
      (p): p is Exclude<typeof p, 'Skip' | 'PostDelete' | 'SyncFail'> =>
        p !== 'Skip' && p !== 'PostDelete' && p !== 'SyncFail',
    );
    if (!phases.length) continue;
    changes.push({
      kind: object.kind,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name ?? `${object.metadata.generateName ?? ''}*`,
      action: 'succeeded',
      hook: phases[0],
      wave: syncWave(object),
      message: `Runs as a ${phases.join(', ')} hook`,
    });
  }
  const run: SyncRun = {
    id: crypto.randomUUID(),
    revision: options.revision || spec.source.revision || 'HEAD',
    commit,
    startedAt,
    finishedAt: new Date().toISOString(),
    phase:
      plan.refusal || changes.some(c => c.action === 'failed')
        ? 'Failed'
        : 'Succeeded',
    initiatedBy: options.initiatedBy,
    message: plan.refusal
      ? `Dry run: ${plan.refusal}`
      : `Dry run: ${changeSummary(changes)}`,
    dryRun: true,
    changes,
  };
  await ctx.recorder.recordDryRun(spec.id, run);
  return run;
}
