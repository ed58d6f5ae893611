import type { ResourceChange } from '@mooring/plugin-gitops-common';
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
import { applySteps, sortForDelete } from '../apply/syncOrder';
import { sameObject } from '../diff/normalize';
import type { ClusterClient } from '../kube/ClusterClient';
import { KubeObject, describeObject, resourceRef } from '../kube/kubeObject';
import { prunable } from '../tenancy';
import { Comparison, SyncPlan, refOfEntry } from './planSync';

function errorMessage(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

function changeOf(ref: { kind: string; namespace: string; name: string }) {
  return { kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

/** The outcome of applying a plan: what was done, and what the application now tracks. */
export interface AppliedPlan {
  changes: ResourceChange[];
  /** True when a step failed, so later steps (and prune) did not run. */
  failedStep: boolean;
  inventory: Inventory;
  /** What each applied object now is, by object key. */
  comparisons: Map<string, Comparison>;
  /** Objects that left Git but were left in place, and why (no longer tracked). */
  kept: string[];
}

/**
 * Applies a plan step by step (CRDs and Namespaces, then sync waves, then
 * kinds), objects within a step in parallel; a failed step stops the later
 * ones. Then prunes what left Git when asked, and works out the inventory to
 * record: objects a failed step never reached stay tracked as before, and
 * stale objects that were not deleted stay tracked to be pruned later.
 */
export async function applyPlan(input: {
  applicationId: string;
  plan: SyncPlan;
  client: ClusterClient;
  previousInventory: Inventory;
  prune: boolean;
  /** Why the application may not delete a live object it tracks, if it may not. */
  mayDelete?: (live: KubeObject) => Promise<string | undefined>;
  concurrency: number;
  logger: LoggerService;
  onProgress(changes: ResourceChange[], done: number, total: number): void;
}): Promise<AppliedPlan> {
  const { plan, client } = input;
  const byObject = new Map(plan.objects.map(p => [p.object, p]));
  const objects = plan.objects.map(p => p.object);
  const changes: ResourceChange[] = [];
  const comparisons = new Map<string, Comparison>();
  const uids = new Map<string, string>();
  const kept: string[] = [];
  const adopted = new Set(plan.adopted.map(ref => entryKey(ref)));
  const limit = pLimit(input.concurrency);

  const applyOne = async (object: KubeObject): Promise<ResourceChange> => {
    const planned = byObject.get(object)!;
    const change = changeOf(resourceRef(object));
    if (planned.action === 'unchanged') {
      return { ...change, action: 'unchanged' };
    }
    try {
      const result = await client.apply(object);
      if (result.metadata.uid) {
        uids.set(planned.key, String(result.metadata.uid));
      }
      comparisons.set(planned.key, {
        desiredHash: planned.desiredHash,
        inSync: true,
        expected: result,
        liveResourceVersion: result.metadata.resourceVersion as string,
      });
      if (!planned.live) return { ...change, action: 'created' };
      if (adopted.has(planned.key)) return { ...change, action: 'adopted' };
      return {
        ...change,
        action: sameObject(result, planned.live) ? 'unchanged' : 'configured',
      };
    } catch (error) {
      return { ...change, action: 'failed', message: errorMessage(error) };
    }
  };

  let failedStep = false;
  for (const step of applySteps(objects)) {
    const results = await Promise.all(
      step.map(object =>
        limit(async () => {
          const result = await applyOne(object);
          changes.push(result);
          input.onProgress(changes, changes.length, objects.length);
          return result;
        }),
      ),
    );
    if (results.some(r => r.action === 'failed')) {
      failedStep = true;
      break;
    }
  }

  const next = inventoryOf(objects);
  let survivors = staleEntries(input.previousInventory, next);
  if (input.prune && !failedStep) {
    const pruned = await pruneObjects({
      applicationId: input.applicationId,
      client,
      entries: survivors,
      logger: input.logger,
      mayDelete: input.mayDelete,
    });
    changes.push(...pruned.changes);
    survivors = pruned.survivors;
    kept.push(...pruned.kept);
  }
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
      ).concat(input.previousInventory)
    : next;
  return {
    changes,
    failedStep,
    inventory: mergeInventory(
      recordedInventory(applied, {
        planned: plan.objects,
        applied: uids,
        adopted,
        previous: input.previousInventory,
      }),
      survivors,
    ),
    comparisons,
    kept,
  };
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
