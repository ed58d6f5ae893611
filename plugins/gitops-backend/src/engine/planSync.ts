import pLimit from 'p-limit';
import { Inventory, inventoryOf, staleEntries } from '../apply/inventory';
import type { InventoryEntry } from '../apply/inventory';
import { sameObject, stableStringify } from '../diff/normalize';
import { KubeObject, isTrackedBy, keyOfObject } from '../kube/kubeObject';
import type { RenderedRevision } from './renderRevision';

/** What the engine last learned comparing one desired object with the cluster. */
export interface Comparison {
  desiredHash: string;
  liveResourceVersion?: string;
  inSync: boolean;
  /** What the API server makes of the manifest (dry run or apply result). */
  expected?: KubeObject;
}

/** What a sync would do to one object. */
export type PlannedAction = 'create' | 'update' | 'unchanged' | 'failed';

export interface PlannedObject {
  object: KubeObject;
  key: string;
  desiredHash: string;
  live?: KubeObject;
  action: PlannedAction;
  /** What the API server makes of the manifest, when known. */
  expected?: KubeObject;
  /** Why the object could not be planned (`failed`). */
  message?: string;
}

/** An object that left Git but still lives in the cluster with this application's tracking id. */
export interface StaleObject {
  entry: InventoryEntry;
  live: KubeObject;
}

/** "What would change": the one answer compare, the dry-run preview, the diff and the sync share. */
export interface SyncPlan {
  /** The rendered objects, in the order given. */
  objects: PlannedObject[];
  stale: StaleObject[];
  /** What was learned, by object key, for the next plan to reuse. */
  comparisons: Map<string, Comparison>;
}

export interface PlanSyncInput {
  applicationId: string;
  rendered: RenderedRevision;
  /** What the application applied before: the candidates for pruning. */
  inventory: Inventory;
  /** Comparisons of an earlier plan; reused while neither side changed. */
  previous: ReadonlyMap<string, Comparison>;
  live(ref: ObjectRef): Promise<KubeObject | undefined>;
  /**
   * Server-side dry-run apply. Without it nothing is sent to the server and
   * objects only the server can judge are planned `update`.
   */
  dryRun?: (object: KubeObject) => Promise<KubeObject>;
  /** Also dry-run objects that do not exist yet, to show what they would be. */
  dryRunMissing?: boolean;
  /** Plan a failing object as `failed` rather than failing the whole plan. */
  recordFailures?: boolean;
  concurrency?: number;
}

/** Names one object, as the cluster client takes it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** The object an inventory entry names. */
export function refOfEntry(entry: InventoryEntry): ObjectRef {
  return {
    apiVersion: entry.group ? `${entry.group}/${entry.version}` : entry.version,
    kind: entry.kind,
    metadata: {
      name: entry.name,
      ...(entry.namespace ? { namespace: entry.namespace } : {}),
    },
  };
}

/**
 * Decides, object by object, what a sync of `rendered` would change. Costs no
 * API call when neither Git nor the cluster changed since `previous`; a
 * changed object costs one dry run.
 */
export async function planSync(input: PlanSyncInput): Promise<SyncPlan> {
  const { rendered, previous, dryRun } = input;
  const comparisons = new Map<string, Comparison>();
  const limit = pLimit(input.concurrency ?? 8);

  const planOne = async (object: KubeObject): Promise<PlannedObject> => {
    const key = keyOfObject(object);
    const desiredHash = rendered.hashes.get(key) ?? stableStringify(object);
    const planned = { object, key, desiredHash };
    try {
      const live = await input.live(object);
      if (!live) {
        comparisons.set(key, { desiredHash, inSync: false });
        const expected =
          input.dryRunMissing && dryRun
            ? await dryRun(object).catch(() => undefined)
            : undefined;
        return { ...planned, action: 'create', expected };
      }
      const resourceVersion = live.metadata.resourceVersion as string;
      const known = previous.get(key);
      let comparison: Comparison | undefined;
      if (
        known?.desiredHash === desiredHash &&
        known.liveResourceVersion === resourceVersion
      ) {
        comparison = known;
      } else if (
        known?.desiredHash === desiredHash &&
        known.expected &&
        sameObject(live, known.expected)
      ) {
        comparison = {
          ...known,
          inSync: true,
          liveResourceVersion: resourceVersion,
        };
      } else if (dryRun) {
        const expected = await dryRun(object);
        comparison = {
          desiredHash,
          inSync: sameObject(expected, live),
          expected,
          liveResourceVersion: resourceVersion,
        };
      }
      if (!comparison) return { ...planned, live, action: 'update' };
      comparisons.set(key, comparison);
      return {
        ...planned,
        live,
        action: comparison.inSync ? 'unchanged' : 'update',
        expected: comparison.expected,
      };
    } catch (error) {
      if (!input.recordFailures) throw error;
      return {
        ...planned,
        action: 'failed',
        message: String((error as Error)?.message ?? error),
      };
    }
  };

  const objects = await Promise.all(
    rendered.objects.map(object => limit(() => planOne(object))),
  );
  const stale: StaleObject[] = [];
  for (const entry of staleEntries(
    input.inventory,
    inventoryOf(rendered.objects),
  )) {
    const live = await input.live(refOfEntry(entry));
    if (live && isTrackedBy(input.applicationId, live)) {
      stale.push({ entry, live });
    }
  }
  return { objects, stale, comparisons };
}
