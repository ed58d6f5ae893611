import type { ApplicationState } from './ApplicationRegistry';
import { pruneObjects } from './applyPlan';
import { deletionGuard } from './authorizePlan';
import type { EngineContext } from './engineContext';

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
    ctx.logger.info(
      `Deleted ${changes.length} object(s) of removed application ${spec.id}${
        kept.length ? `; left in place: ${kept.join('; ')}` : ''
      }`,
    );
  });
}
