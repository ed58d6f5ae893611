import type { ApplicationState } from './ApplicationRegistry';
import { pruneObjects } from './applyPlan';
import { deletionGuard } from './authorizePlan';
import type { EngineContext } from './engineContext';
import { syncWave } from '../apply/syncOrder';
import { objectHealth } from '../health/objectHealth';
import type { KubeObject } from '../kube/kubeObject';
import { checkTenancy } from '../tenancy';
import type { PlanAuthorization } from './authorizePlan';
import { Waiter, hooksOf, runHook } from './hookRunner';

/**
 * A PostDelete hook may only run where the grant lets the application
 * create it (judged as every object is; kinds of unknown scope are not run).
 */
function authorized(hook: KubeObject, authorization: PlanAuthorization) {
  const named = hook.metadata.name
    ? hook
    : {
        ...hook,
        metadata: {
          ...hook.metadata,
          name: `${hook.metadata.generateName ?? ''}*`,
        },
      };
  return (
    checkTenancy({
      objects: [named],
      grant: authorization.grant,
      cluster: authorization.cluster,
      destinationNamespace: authorization.destinationNamespace,
      scopeOf: () => (hook.metadata.namespace ? 'Namespaced' : 'Cluster'),
    }).violations.length === 0
  );
}

/**
 * Deletes what a removed application applied: the objects of its inventory
 * that still carry its tracking id. What cannot be deleted stays in the
 * inventory, and the error says why.
 */
export async function pruneRemovedApplication(
  ctx: EngineContext,
  state: ApplicationState,
): Promise<void> {
  const { spec } = state;
  await ctx.recorder.withLease(spec.id, async () => {
    const inventory = await ctx.store.getInventory(spec.id);
    if (!inventory) return;
    const { client, authorization, objectsIn } = ctx.clusterFor(state);
    if (inventory.cluster !== spec.destination.cluster) {
      throw new Error(
        `Its objects are on cluster ${inventory.cluster}, not ${spec.destination.cluster}; delete them there by hand`,
      );
    }
    const { changes, survivors, kept } = await pruneObjects({
      applicationId: spec.id,
      client,
      entries: inventory.entries,
      logger: ctx.logger,
      mayDelete: deletionGuard(authorization, {
        applicationId: spec.id,
        objectsIn,
      }),
      mode: 'remove',
    });
    if (survivors.length) {
      await ctx.store.saveInventory(spec.id, {
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
    await ctx.store.deleteInventory(spec.id);
    // PostDelete hooks of the last rendered revision, once all is deleted.
    const postDelete = hooksOf(
      (state.rendered?.hooks ?? []).filter(hook =>
        authorized(hook, authorization),
      ),
      'PostDelete',
      syncWave,
    );
    const waiter: Waiter = {
      client,
      health: live => objectHealth(live, ctx.healthChecks),
      deadline: Date.now() + ctx.syncTimeouts.totalMs,
      waveMs: ctx.syncTimeouts.waveMs,
      waiting: () => {},
    };
    for (const group of postDelete) {
      for (const hook of group.hooks) {
        const result = await runHook(waiter, hook, 'PostDelete', group.wave);
        (result.action === 'failed' ? ctx.logger.warn : ctx.logger.info).call(
          ctx.logger,
          `PostDelete hook ${result.kind} ${result.name} of removed application ${spec.id}: ${result.message}`,
        );
      }
    }
    ctx.logger.info(
      `Deleted ${changes.length} object(s) of removed application ${spec.id}${
        kept.length ? `; left in place: ${kept.join('; ')}` : ''
      }`,
    );
  });
}
