import type { ResourceChange } from '@mooring/plugin-gitops-common';
import type { HealthAssessment } from '@mooring/plugin-gitops-node';
import {
  HookPhase,
  hookDeletePolicies,
  hookPhases,
} from '../apply/syncAnnotations';
import type { ClusterClient } from '../kube/ClusterClient';
import { ANNOTATION_TRACKING_ID } from '@mooring/plugin-gitops-common';
import {
  KubeObject,
  describeObject,
  groupOf,
  isTrackedBy,
} from '../kube/kubeObject';

/** Why a wait ended early: terminated, or out of time. */
export class SyncInterrupted extends Error {
  constructor(message: string, readonly reason: 'terminated' | 'timeout') {
    super(message);
  }
}

/** A hook stopped by a termination or a timeout; `change` records it. */
export class HookInterrupted extends SyncInterrupted {
  constructor(
    readonly interruption: SyncInterrupted,
    readonly change: ResourceChange,
  ) {
    super(interruption.message, interruption.reason);
  }
}

/** What a sync's waits share: when to give up, and how to look at objects. */
export interface Waiter {
  /** The application whose hooks run: only its own objects are ever deleted. */
  applicationId: string;
  client: ClusterClient;
  health(live: KubeObject): HealthAssessment;
  signal?: AbortSignal;
  /** Epoch ms after which the whole sync has run out of time. */
  deadline: number;
  /** For one wave or hook. */
  waveMs: number;
  /** Polling interval, first and most. */
  pollMs?: { first: number; most: number };
  /** Told what the sync waits for now. */
  waiting(what: string | undefined): void;
}

function abortMessage(signal: AbortSignal): string {
  const reason = signal.reason;
  return String(reason?.message ?? reason ?? 'Terminated');
}

/** Throws when the sync was terminated. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new SyncInterrupted(abortMessage(signal), 'terminated');
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function nameOf(object: KubeObject): string {
  return describeObject({
    kind: object.kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name ?? `${object.metadata.generateName ?? ''}*`,
  });
}

/**
 * Polls `check` until it answers, the wave's time is up, the sync's time is
 * up or the sync is terminated. `check` returns undefined to keep waiting.
 */
export async function waitUntil<T>(
  waiter: Waiter,
  what: string,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const started = Date.now();
  const waveEnd = started + waiter.waveMs;
  const pollFirst = waiter.pollMs?.first ?? 100;
  const pollMost = waiter.pollMs?.most ?? 1000;
  let pause = pollFirst;
  waiter.waiting(what);
  try {
    for (;;) {
      checkAborted(waiter.signal);
      const answer = await check();
      if (answer !== undefined) return answer;
      const now = Date.now();
      if (now >= waiter.deadline) {
        throw new SyncInterrupted(
          `The sync ran out of time (gitops.sync.timeout) waiting for ${what}`,
          'timeout',
        );
      }
      if (now >= waveEnd) {
        throw new SyncInterrupted(
          `Waited ${Math.round(
            (now - started) / 1000,
          )} s (gitops.sync.waveTimeout) for ${what}`,
          'timeout',
        );
      }
      await sleep(
        Math.min(pause, waveEnd - now, waiter.deadline - now),
        waiter.signal,
      );
      pause = Math.min(pause * 2, pollMost);
    }
  } finally {
    waiter.waiting(undefined);
  }
}

/** How a hook ended: Succeeded, or Failed with why; undefined while it runs. */
export function hookOutcome(
  live: KubeObject,
  health: (live: KubeObject) => HealthAssessment,
): { succeeded: boolean; message: string } | undefined {
  const group = groupOf(live);
  if (group === '' && live.kind === 'Pod') {
    const phase = (live as any).status?.phase;
    if (phase === 'Succeeded')
      return { succeeded: true, message: 'Pod succeeded' };
    if (phase === 'Failed') {
      return {
        succeeded: false,
        message: `Pod failed${
          (live as any).status?.message
            ? `: ${(live as any).status.message}`
            : ''
        }`,
      };
    }
    return undefined;
  }
  const assessed = health(live);
  if (assessed.status === 'Healthy') {
    return { succeeded: true, message: assessed.message || 'Healthy' };
  }
  if (assessed.status === 'Degraded') {
    return { succeeded: false, message: assessed.message || 'Degraded' };
  }
  return undefined;
}

/** Deletes an object and waits until it is gone (or another object took its name). */
async function deleteAndWait(
  waiter: Waiter,
  object: KubeObject,
  uid: string | undefined,
): Promise<void> {
  await waiter.client.delete(object, { uid });
  await waitUntil(waiter, `${nameOf(object)} to be deleted`, async () => {
    const live = await waiter.client.get(object);
    return !live || (uid && live.metadata.uid !== uid) ? true : undefined;
  });
}

/**
 * Runs one hook: deletes the hook of an earlier sync with the same name
 * (`BeforeHookCreation`, or any existing one: a hook is always created
 * afresh), creates it, waits until it succeeds or fails, then deletes it
 * as its policy says. Never throws for the hook's own failure: that is the
 * change's `failed` action.
 */
export async function runHook(
  waiter: Waiter,
  hook: KubeObject,
  phase: HookPhase,
  wave: number,
): Promise<ResourceChange> {
  const policies = hookDeletePolicies(hook);
  const change = (
    action: ResourceChange['action'],
    message: string,
    name = hook.metadata.name ?? `${hook.metadata.generateName ?? ''}*`,
  ): ResourceChange => ({
    kind: hook.kind,
    namespace: hook.metadata.namespace ?? '',
    name,
    action,
    message,
    hook: phase,
    wave,
  });
  let created: KubeObject | undefined;
  try {
    if (hook.metadata.name) {
      const earlier = await waiter.client.get(hook);
      if (earlier && !isTrackedBy(waiter.applicationId, earlier)) {
        // Never delete what is not this application's hook.
        return change(
          'failed',
          `${nameOf(
            hook,
          )} exists and is not a hook of this application; it is left alone. Rename the hook or delete that object`,
        );
      }
      if (earlier) {
        await deleteAndWait(waiter, hook, earlier.metadata.uid as string);
      }
    } else if (policies.has('BeforeHookCreation')) {
      await deleteEarlierInstances(waiter, hook);
    }
    checkAborted(waiter.signal);
    created = await waiter.client.create(hook);
    const ref: KubeObject = {
      apiVersion: hook.apiVersion,
      kind: hook.kind,
      metadata: {
        name: created.metadata.name,
        namespace: created.metadata.namespace,
      },
    };
    const uid = created.metadata.uid as string | undefined;
    const outcome = await waitUntil(
      waiter,
      `${phase} hook ${nameOf(ref)} to complete`,
      async () => {
        const live = await waiter.client.get(ref);
        if (!live || (uid && live.metadata.uid !== uid)) {
          return { succeeded: false, message: 'It was deleted while running' };
        }
        return hookOutcome(live, waiter.health);
      },
    );
    const deleteIt = outcome.succeeded
      ? policies.has('HookSucceeded')
      : policies.has('HookFailed');
    let message = outcome.message;
    if (deleteIt) {
      await waiter.client.delete(ref, { uid }).catch(error => {
        message += `; could not delete it: ${(error as Error).message}`;
      });
      message += ` (deleted: ${
        outcome.succeeded ? 'HookSucceeded' : 'HookFailed'
      })`;
    }
    return change(
      outcome.succeeded ? 'succeeded' : 'failed',
      message,
      created.metadata.name,
    );
  } catch (error) {
    if (error instanceof SyncInterrupted) {
      // A terminated or timed-out sync stops its running hooks.
      let message = error.message;
      if (created) {
        await waiter.client
          .delete(created, { uid: created.metadata.uid as string })
          .then(
            () => {
              message += '; the hook was deleted';
            },
            failure => {
              message += `; could not delete the hook: ${
                (failure as Error).message
              }`;
            },
          );
      }
      throw new HookInterrupted(
        error,
        change('failed', message, created?.metadata.name),
      );
    }
    return change(
      'failed',
      String((error as Error)?.message ?? error),
      created?.metadata.name,
    );
  }
}

/**
 * A hook named by the server (generateName) gets a new name every sync;
 * `BeforeHookCreation` deletes the instances earlier syncs left, found by
 * the hook's tracking id, so they do not pile up.
 */
async function deleteEarlierInstances(
  waiter: Waiter,
  hook: KubeObject,
): Promise<void> {
  const trackingId = hook.metadata.annotations?.[ANNOTATION_TRACKING_ID];
  if (!trackingId) return;
  const earlier = await waiter.client.list(
    hook.apiVersion,
    hook.kind,
    hook.metadata.namespace,
  );
  for (const object of earlier.items) {
    if (object.metadata.annotations?.[ANNOTATION_TRACKING_ID] !== trackingId) {
      continue;
    }
    await waiter.client.delete(object, {
      uid: object.metadata.uid as string,
    });
  }
}

/** The hooks of one phase, grouped by wave in order. */
export function hooksOf(
  hooks: KubeObject[],
  phase: HookPhase,
  waveOf: (object: KubeObject) => number,
): Array<{ wave: number; hooks: KubeObject[] }> {
  const byWave = new Map<number, KubeObject[]>();
  for (const hook of hooks) {
    if (!hookPhases(hook).includes(phase)) continue;
    const wave = waveOf(hook);
    byWave.set(wave, [...(byWave.get(wave) ?? []), hook]);
  }
  return [...byWave.entries()]
    .sort(([a], [b]) => a - b)
    .map(([wave, members]) => ({ wave, hooks: members }));
}
