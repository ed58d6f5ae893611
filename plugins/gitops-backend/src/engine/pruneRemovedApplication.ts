import type { ApplicationState } from './ApplicationRegistry';
import { pruneObjects } from './applyPlan';
import { deletionGuard } from './authorizePlan';
import type { EngineContext } from './engineContext';
import { syncWave } from '../apply/syncOrder';
import { objectHealth } from '../health/objectHealth';
import { hookPhases } from '../apply/syncAnnotations';
import { HookInterrupted, Waiter, hooksOf, runHook } from './hookRunner';
import { planSync } from './planSync';

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
    ctx.emit({
      type: 'removedApplicationPruned',
      application: ctx.toApplication(state),
      changes,
    });
    // PostDelete hooks of the revision last synced, once all is deleted;
    // judged like a sync judges hooks (grant and owner of each name), and
    // never from a revision whose sync was refused.
    const rendered = state.rendered;
    const hooks =
      rendered && rendered.sha === state.facts.syncedRevision
        ? (rendered.hooks ?? []).filter(hook =>
            hookPhases(hook).includes('PostDelete'),
          )
        : [];
    if (hooks.length) {
      const plan = await planSync({
        applicationId: spec.id,
        rendered: { ...rendered!, objects: [], hooks },
        inventory: [],
        previous: new Map(),
        live: ref => client.get(ref),
        authorization,
      });
      const refused = plan.hooks.filter(h => h.refused);
      if (refused.length) {
        ctx.logger.warn(
          `PostDelete hooks of removed application ${spec.id} not run: ${refused
            .map(h => h.refused)
            .join('; ')}`,
        );
      } else {
        const waiter: Waiter = {
          applicationId: spec.id,
          client,
          health: live => objectHealth(live, ctx.healthChecks),
          deadline: Date.now() + ctx.syncTimeouts.totalMs,
          waveMs: ctx.syncTimeouts.waveMs,
          waiting: () => {},
        };
        for (const group of hooksOf(hooks, 'PostDelete', syncWave)) {
          const results = await Promise.all(
            group.hooks.map(hook =>
              runHook(waiter, hook, 'PostDelete', group.wave).catch(
                error =>
                  (error as HookInterrupted).change ?? {
                    kind: hook.kind,
                    namespace: hook.metadata.namespace ?? '',
                    name: hook.metadata.name,
                    action: 'failed' as const,
                    message: String((error as Error).message),
                  },
              ),
            ),
          );
          for (const result of results) {
            (result.action === 'failed'
              ? ctx.logger.warn
              : ctx.logger.info
            ).call(
              ctx.logger,
              `PostDelete hook ${result.kind} ${result.name} of removed application ${spec.id}: ${result.message}`,
            );
          }
        }
      }
    }
    ctx.logger.info(
      `Deleted ${changes.length} object(s) of removed application ${spec.id}${
        kept.length ? `; left in place: ${kept.join('; ')}` : ''
      }`,
    );
  });
}
