import { KubeObject, objectKey, resourceRef } from '../kube/kubeObject';

/** One object an application owns in a cluster. */
export interface InventoryEntry {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  /**
   * The uid of the object this application created or adopted; prune leaves
   * alone an object of the same name that someone else re-created.
   */
  uid?: string;
  /**
   * The object existed before this application took it over; a Namespace
   * taken over is never pruned (it would delete what others put in it).
   */
  adopted?: boolean;
}

/** What an application applied, so that what leaves Git can be pruned. */
export type Inventory = InventoryEntry[];

export function entryKey(entry: InventoryEntry): string {
  return objectKey(entry);
}

/** The inventory of a set of objects. */
export function inventoryOf(objects: KubeObject[]): Inventory {
  return objects.map(resourceRef).sort(compareEntries);
}

function compareEntries(a: InventoryEntry, b: InventoryEntry) {
  return entryKey(a).localeCompare(entryKey(b));
}

/** Entries of `previous` that `next` no longer holds: the candidates for pruning. */
export function staleEntries(previous: Inventory, next: Inventory): Inventory {
  const keep = new Set(next.map(entryKey));
  return previous.filter(entry => !keep.has(entryKey(entry)));
}

/**
 * The inventory to record after a sync: what is in Git now, plus stale
 * entries that were not deleted (pruning is off or failed), so they are still
 * tracked and pruned later.
 */
export function mergeInventory(
  next: Inventory,
  survivors: Inventory,
): Inventory {
  const byKey = new Map<string, InventoryEntry>();
  for (const entry of [...survivors, ...next])
    byKey.set(entryKey(entry), entry);
  return [...byKey.values()].sort(compareEntries);
}
