import {
  ANNOTATION_COMPARE_OPTIONS,
  ANNOTATION_HOOK,
  ANNOTATION_HOOK_DELETE_POLICY,
  ANNOTATION_SYNC_OPTIONS,
  ANNOTATION_SYNC_WAVE,
} from '@mooring/plugin-gitops-common';
import type { KubeObject } from '../kube/kubeObject';

/**
 * The per-manifest sync annotations, in Mooring's spelling or Argo CD's
 * (`argocd.argoproj.io/<same>`), so an Argo CD repository deploys unchanged.
 * Mooring's spelling wins when an object carries both. Every value is
 * checked: a typo is an error that names the object, never a silent default.
 */
const ARGOCD_PREFIX = 'argocd.argoproj.io/';

/** Phases a hook runs in. `Skip` (Argo CD) means: never apply the object. */
export type HookPhase =
  | 'PreSync'
  | 'Sync'
  | 'PostSync'
  | 'SyncFail'
  | 'PostDelete';

export type HookDeletePolicy =
  | 'HookSucceeded'
  | 'HookFailed'
  | 'BeforeHookCreation';

const HOOK_PHASES: readonly string[] = [
  'PreSync',
  'Sync',
  'PostSync',
  'SyncFail',
  'PostDelete',
];
const DELETE_POLICIES: readonly string[] = [
  'HookSucceeded',
  'HookFailed',
  'BeforeHookCreation',
];

/** Sync options Mooring acts on. */
export interface ObjectSyncOptions {
  /** `Prune=false`: left in place (and no longer tracked) when it leaves Git. */
  noPrune: boolean;
  /** `Delete=false`: left in place when the application is removed. */
  noDelete: boolean;
  /** `Replace=true`: replaced (PUT) instead of applied; re-created when a field is immutable. */
  replace: boolean;
  /**
   * `Force=true`, as `kubectl apply --force`: a change the server refuses
   * (an immutable field) is made by deleting and creating the object again.
   */
  force: boolean;
  /** `SkipDryRunOnMissingResource=true`: a kind not served yet is not dry-run. */
  skipDryRunOnMissingResource: boolean;
}

/**
 * Argo CD sync options that need nothing of Mooring (it always applies
 * server-side, creates the destination namespace, prunes last and applies
 * only what changed), accepted so Argo CD repositories deploy unchanged.
 */
const ACCEPTED_AS_IS = new Set([
  'ServerSideApply=true',
  'CreateNamespace=true',
  'PruneLast=true',
  'ApplyOutOfSyncOnly=true',
  'RespectIgnoreDifferences=true',
  'Validate=true',
  // The API server validates every object Mooring sends, whatever this says.
  'Validate=false',
]);

function describe(object: KubeObject): string {
  const name = object.metadata.name ?? `${object.metadata.generateName ?? ''}*`;
  return `${object.kind} ${name}`;
}

/** An annotation in Mooring's spelling, else Argo CD's. */
export function syncAnnotation(
  object: KubeObject,
  mooringKey: string,
): { key: string; value: string } | undefined {
  const annotations = object.metadata.annotations ?? {};
  const suffix = mooringKey.slice(mooringKey.indexOf('/') + 1);
  for (const key of [mooringKey, `${ARGOCD_PREFIX}${suffix}`]) {
    const value = annotations[key];
    if (typeof value === 'string') return { key, value };
  }
  return undefined;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map(item => item.trim())
    .filter(Boolean);
}

/**
 * The hook phases of an object; empty for an ordinary object. Argo CD's
 * `Skip` gives `['Skip']`: the object is not applied at all.
 */
export function hookPhases(object: KubeObject): Array<HookPhase | 'Skip'> {
  const found = syncAnnotation(object, ANNOTATION_HOOK);
  if (!found) return [];
  const phases = list(found.value);
  for (const phase of phases) {
    if (phase !== 'Skip' && !HOOK_PHASES.includes(phase)) {
      throw new Error(
        `${describe(object)} has ${found.key}: "${
          found.value
        }"; use ${HOOK_PHASES.join(', ')} or Skip`,
      );
    }
  }
  if (phases.length === 0) {
    throw new Error(`${describe(object)} has an empty ${found.key}`);
  }
  return phases as Array<HookPhase | 'Skip'>;
}

/** True when the object is a hook (of any phase, `Skip` included). */
export function isHook(object: KubeObject): boolean {
  return hookPhases(object).length > 0;
}

/**
 * A hook's delete policies. Without one a hook is `BeforeHookCreation`, as
 * in Argo CD: the hook of the last sync stays to be looked at, and is
 * deleted when the next sync creates it again.
 */
export function hookDeletePolicies(object: KubeObject): Set<HookDeletePolicy> {
  const found = syncAnnotation(object, ANNOTATION_HOOK_DELETE_POLICY);
  if (!found) return new Set(['BeforeHookCreation']);
  const policies = list(found.value);
  for (const policy of policies) {
    if (!DELETE_POLICIES.includes(policy)) {
      throw new Error(
        `${describe(object)} has ${found.key}: "${
          found.value
        }"; use ${DELETE_POLICIES.join(', ')}`,
      );
    }
  }
  return new Set(policies as HookDeletePolicy[]);
}

/** The object's sync options; throws on one Mooring does not know. */
export function objectSyncOptions(object: KubeObject): ObjectSyncOptions {
  const options: ObjectSyncOptions = {
    noPrune: false,
    noDelete: false,
    replace: false,
    force: false,
    skipDryRunOnMissingResource: false,
  };
  const found = syncAnnotation(object, ANNOTATION_SYNC_OPTIONS);
  if (!found) return options;
  for (const option of list(found.value)) {
    switch (option) {
      // Argo CD's `confirm` waits for a person; Mooring leaves the object
      // in place, which a person then deletes.
      case 'Prune=false':
      case 'Prune=confirm':
        options.noPrune = true;
        break;
      case 'Delete=false':
      case 'Delete=confirm':
        options.noDelete = true;
        break;
      case 'Replace=true':
        options.replace = true;
        break;
      case 'Force=true':
        options.force = true;
        break;
      case 'SkipDryRunOnMissingResource=true':
        options.skipDryRunOnMissingResource = true;
        break;
      default:
        if (!ACCEPTED_AS_IS.has(option)) {
          throw new Error(
            `${describe(object)} has ${
              found.key
            } "${option}", which Mooring does not know; use Prune=false, Delete=false, Replace=true, Force=true or SkipDryRunOnMissingResource=true`,
          );
        }
    }
  }
  return options;
}

/**
 * The object's sync options, or none when they do not parse: for live
 * objects, whose annotations were checked when they were applied (or were
 * written by someone else, and then must not stop a prune from reporting).
 */
export function liveSyncOptions(object: KubeObject): ObjectSyncOptions {
  try {
    return objectSyncOptions(object);
  } catch {
    return objectSyncOptions({
      ...object,
      metadata: { ...object.metadata, annotations: {} },
    });
  }
}

/** `IgnoreExtraneous`: a live object of the application that left Git does not make it OutOfSync. */
export function ignoresExtraneous(object: KubeObject): boolean {
  const found = syncAnnotation(object, ANNOTATION_COMPARE_OPTIONS);
  return found ? list(found.value).includes('IgnoreExtraneous') : false;
}

/** The object's sync wave; 0 when absent. Throws on a value that is not an integer. */
export function syncWaveOf(object: KubeObject): number {
  const found = syncAnnotation(object, ANNOTATION_SYNC_WAVE);
  const value = found?.value.trim();
  if (value === undefined || value === '') return 0;
  if (!/^[-+]?\d{1,9}$/.test(value)) {
    throw new Error(
      `${describe(object)} has ${found!.key}: "${
        found!.value
      }", which is not an integer`,
    );
  }
  return Number(value);
}

/**
 * Checks every sync annotation of the rendered objects, so a typo fails the
 * render (nothing applied) rather than the sync half-way.
 */
export function checkSyncAnnotations(objects: KubeObject[]): void {
  for (const object of objects) {
    hookPhases(object);
    if (isHook(object)) hookDeletePolicies(object);
    objectSyncOptions(object);
    syncWaveOf(object);
    if (!object.metadata.name && !isHook(object)) {
      throw new Error(
        `${describe(
          object,
        )} has metadata.generateName but is not a hook; only hooks (${ANNOTATION_HOOK}) may leave metadata.name out`,
      );
    }
  }
}
