import pLimit from 'p-limit';
import { Inventory, inventoryOf, staleEntries } from '../apply/inventory';
import type { InventoryEntry } from '../apply/inventory';
import { normalizedDigest, sameObject, stableDigest } from '../diff/normalize';
import {
  KubeObject,
  describeObject,
  isTrackedBy,
  keyOfObject,
} from '../kube/kubeObject';
import type { ResourceRef } from '@mooring/plugin-gitops-common';
import { clusterAllowed } from '../tenancy';
import { PlanAuthorization, authorizePlan } from './authorizePlan';
import { liveSyncOptions } from '../apply/syncAnnotations';
import { withoutIgnoredFields } from './ignoreRules';
import type { RenderedRevision } from './renderRevision';
import type { IgnoreDifferenceRule } from './types';

/** What the engine last learned comparing one desired object with the cluster. */
export interface Comparison {
  desiredHash: string;
  liveResourceVersion?: string;
  inSync: boolean;
  /**
   * What the API server makes of the manifest (dry run or apply result),
   * as the digest of its normalized form (`normalizedDigest`): a live
   * version with the same digest is in sync without asking the server again.
   */
  expectedDigest?: string;
  /**
   * That object itself, kept only while the live one differs from it (the
   * diff shows it): a fleet in sync holds one copy of each object, the live one.
   */
  expected?: KubeObject;
}

/** A comparison with what the server made of the manifest (see `Comparison`). */
export function comparisonWith(
  expected: KubeObject,
  fields: {
    desiredHash: string;
    liveResourceVersion?: string;
    inSync: boolean;
  },
): Comparison {
  return {
    ...fields,
    expectedDigest: normalizedDigest(expected),
    ...(fields.inSync ? {} : { expected }),
  };
}

/** True when `live` is what the server made of the manifest last time. */
export function matchesExpected(
  live: KubeObject,
  comparison: Comparison | undefined,
): boolean {
  return (
    comparison?.expectedDigest !== undefined &&
    normalizedDigest(live) === comparison.expectedDigest
  );
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
  /**
   * Why the owner's grant refuses this object; its live version is then
   * neither kept nor shown.
   */
  refused?: string;
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
  /**
   * Why nothing of this plan may be applied (the owner's grant, or objects
   * of another application); undefined when it may.
   */
  refusal?: string;
  /** Live objects without a tracking id that a sync would take over. */
  adopted: ResourceRef[];
  /** The hooks of the revision, judged against the grant like every object. */
  hooks: PlannedHook[];
  /**
   * Keys of objects of kinds the cluster does not serve yet, admitted as
   * namespaced (`SkipDryRunOnMissingResource=true`): their scope is checked
   * again before they are applied.
   */
  deferred?: string[];
}

/** A hook a sync would run. */
export interface PlannedHook {
  object: KubeObject;
  /** The hook of an earlier sync with the same name, when it is still there. */
  live?: KubeObject;
  /** Why the owner's grant (or another owner of the name) refuses it. */
  refused?: string;
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
  /** The owner's grant: when given, the plan is judged against it (see `authorizePlan`). */
  authorization?: PlanAuthorization;
  /** Fields neither compared nor sent (see `withoutIgnoredFields`). */
  ignoreDifferences?: readonly IgnoreDifferenceRule[];
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

function messageOf(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

/**
 * Decides, object by object, what a sync of `rendered` would change. Costs no
 * API call when neither Git nor the cluster changed since `previous`; a
 * changed object costs one dry run. With an authorization, the plan is
 * judged against the owner's grant first, and no object it refuses is sent
 * to the server, not even as a dry run.
 */
export async function planSync(input: PlanSyncInput): Promise<SyncPlan> {
  const { rendered, previous } = input;
  const comparisons = new Map<string, Comparison>();
  const limit = pLimit(input.concurrency ?? 8);

  // 1. The live objects (a failed read fails the plan, or that object);
  //    a cluster the owner may not use is not even read.
  const clusterRefused =
    input.authorization &&
    !clusterAllowed(input.authorization.grant, input.authorization.cluster);
  const lives = await Promise.all(
    rendered.objects.map(object =>
      limit(async () => {
        if (clusterRefused) return { live: undefined };
        try {
          return { live: await input.live(object) };
        } catch (error) {
          if (!input.recordFailures) throw error;
          return { failure: messageOf(error) };
        }
      }),
    ),
  );
  const hooks = rendered.hooks ?? [];
  const hookLives = await Promise.all(
    hooks.map(hook =>
      limit(async () =>
        clusterRefused || !hook.metadata.name
          ? undefined
          : input.live(hook).catch(() => undefined),
      ),
    ),
  );
  // 2. The trust boundary, before anything is sent to the server: hooks
  //    are judged like every object (under the name they would get).
  const verdict = input.authorization
    ? await authorizePlan({
        applicationId: input.applicationId,
        objects: [
          ...rendered.objects.map((object, i) => ({
            object,
            live: lives[i].live,
          })),
          ...hooks.map((hook, i) => ({
            object: hookAsNamed(hook),
            live: hookLives[i],
          })),
        ],
        authorization: input.authorization,
      })
    : { adopted: [], refused: new Map<number, string>() };
  const { refused, ...judgement } = verdict;
  const plannedHooks: PlannedHook[] = hooks.map((object, i) => {
    const live = hookLives[i];
    const reason =
      refused.get(rendered.objects.length + i) ??
      (live && !isTrackedBy(input.applicationId, live)
        ? `${describeObject({
            kind: live.kind,
            namespace: live.metadata.namespace,
            name: live.metadata.name,
          })} exists and is not a hook of this application; running the hook would delete it`
        : undefined);
    return { object, live, ...(reason ? { refused: reason } : {}) };
  });
  const hookRefusals = plannedHooks
    .filter(
      h =>
        h.refused &&
        !refused.has(rendered.objects.length + hooks.indexOf(h.object)),
    )
    .map(h => h.refused!);
  if (hookRefusals.length) {
    judgement.refusal = [judgement.refusal, ...hookRefusals]
      .filter(Boolean)
      .join('; ');
  }
  // Adopting is for objects; a hook's name is never taken over.
  judgement.adopted = judgement.adopted.filter(
    ref =>
      !hooks.some(
        h =>
          h.kind === ref.kind &&
          h.metadata.name === ref.name &&
          (h.metadata.namespace ?? '') === ref.namespace,
      ),
  );
  // Objects the grant refuses are never sent to the server (not even as a
  // dry run); the others still are, so their diff is what the server makes.
  const { dryRun } = input;

  // 3. Each object against its live version.
  const planOne = async (
    rendered_: KubeObject,
    live: KubeObject | undefined,
  ): Promise<PlannedObject> => {
    const object = withoutIgnoredFields(
      rendered_,
      live,
      input.ignoreDifferences,
    );
    const key = keyOfObject(object);
    const desiredHash =
      object === rendered_
        ? rendered.hashes.get(key) ?? stableDigest(object)
        : stableDigest(object);
    const planned = { object, key, desiredHash };
    try {
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
        matchesExpected(live, known)
      ) {
        // Back in sync: what the server made of it is the live object now.
        comparison = {
          desiredHash,
          expectedDigest: known.expectedDigest,
          inSync: true,
          liveResourceVersion: resourceVersion,
        };
      } else if (dryRun) {
        const expected = await dryRun(object);
        comparison = comparisonWith(expected, {
          desiredHash,
          inSync: sameObject(expected, live),
          liveResourceVersion: resourceVersion,
        });
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
      return { ...planned, live, action: 'failed', message: messageOf(error) };
    }
  };
  const objects = await Promise.all(
    rendered.objects.map(async (object, i) => {
      const reason = refused.get(i);
      if (reason !== undefined) {
        const key = keyOfObject(object);
        const desiredHash = rendered.hashes.get(key) ?? stableDigest(object);
        const action: PlannedAction = 'update';
        return { object, key, desiredHash, action, refused: reason };
      }
      const { failure, live } = lives[i];
      if (failure !== undefined) {
        const key = keyOfObject(object);
        const desiredHash = rendered.hashes.get(key) ?? stableDigest(object);
        return {
          object,
          key,
          desiredHash,
          action: 'failed' as const,
          message: failure,
        };
      }
      return limit(() => planOne(object, live));
    }),
  );

  // 4. What left Git and is still this application's.
  const stale: StaleObject[] = [];
  for (const entry of clusterRefused
    ? []
    : staleEntries(input.inventory, inventoryOf(rendered.objects))) {
    const live = await input.live(refOfEntry(entry)).catch(() => undefined);
    if (live && isTrackedBy(input.applicationId, live)) {
      stale.push({ entry, live });
    }
  }
  // Kinds not served yet that the grant admitted as namespaced on trust.
  const deferred: string[] = [];
  if (input.authorization) {
    await Promise.all(
      objects.map(async planned => {
        if (
          !planned.refused &&
          liveSyncOptions(planned.object).skipDryRunOnMissingResource &&
          !(await input
            .authorization!.scopeOf(
              planned.object.apiVersion,
              planned.object.kind,
            )
            .catch(() => undefined))
        ) {
          deferred.push(planned.key);
        }
      }),
    );
  }
  return {
    objects,
    stale,
    comparisons,
    ...judgement,
    hooks: plannedHooks,
    ...(deferred.length ? { deferred } : {}),
  };
}

/** A hook as it is judged: one with generateName under its prefix and a star. */
function hookAsNamed(hook: KubeObject): KubeObject {
  if (hook.metadata.name) return hook;
  return {
    ...hook,
    metadata: {
      ...hook.metadata,
      name: `${hook.metadata.generateName ?? ''}*`,
    },
  };
}

/** Live objects as the watch cache has them, for `PlanSyncInput.live`. */
export function liveFrom(cache: {
  get(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): KubeObject | undefined;
}): PlanSyncInput['live'] {
  return async ref =>
    cache.get(
      ref.apiVersion,
      ref.kind,
      ref.metadata.namespace,
      ref.metadata.name,
    );
}
