import { createHash } from 'node:crypto';
import { Cluster } from '../cluster';
import { ApiError } from '../errors';
import { ResourceType } from '../resources';
import { deepEqual, KubeObject, OwnerReference } from '../types';
import { EventKind, EventRecorder } from './events';

export const CONTROLLER_MANAGER = 'kube-controller-manager';

/** The one simulated node. */
export const NODE_NAME = 'kube-sim';

/**
 * How fast the simulated node works, from the controllers' delay (500 ms by
 * default, which gives Kubernetes' own figures): a running container logs a
 * line every `heartbeatMs` (10 s); a failed image pull is retried after
 * `backoffMs`, doubling up to `backoffMaxMs` (10 s to 5 min), as are pods a
 * controller could not create.
 */
export type KubeletTiming = {
  delayMs: number;
  heartbeatMs: number;
  backoffMs: number;
  backoffMaxMs: number;
};

export function kubeletTiming(delayMs = 500): KubeletTiming {
  return {
    delayMs,
    heartbeatMs: Math.max(100, 20 * delayMs),
    backoffMs: Math.max(100, 20 * delayMs),
    backoffMaxMs: Math.max(100, 600 * delayMs),
  };
}

/** The wait before retry number `attempt` (1, 2, …): the back-off doubles up to its cap. */
export function backoffDelay(timing: KubeletTiming, attempt: number): number {
  return Math.min(
    timing.backoffMaxMs,
    timing.backoffMs * 2 ** Math.min(30, Math.max(0, attempt - 1)),
  );
}

/** Components that report events, and the field manager of their writes. */
const EVENT_MANAGERS: Record<string, string> = {
  kubelet: 'kubelet',
  'default-scheduler': 'kube-scheduler',
};

export function eventManager(component: string): string {
  return EVENT_MANAGERS[component] ?? CONTROLLER_MANAGER;
}

/** Helpers the simulated controllers share: typed lookups and idempotent writes. */
export class ControllerContext {
  readonly timing: KubeletTiming;
  /** Images the node has pulled. */
  readonly imagesPresent = new Set<string>();
  /** Retries so far, by what is retried (a pod's image pull, a controller's pod creation). */
  readonly attempts = new Map<string, number>();
  /** When each running pod started, to the millisecond (its status says seconds). */
  readonly startedAt = new Map<string, number>();

  constructor(
    readonly cluster: Cluster,
    readonly delayMs: number,
    readonly events: EventRecorder,
    /** Runs `work` once after `ms`; a second request for a pending key is dropped. */
    readonly schedule: (key: string, ms: number, work: () => void) => void,
  ) {
    this.timing = kubeletTiming(delayMs);
  }

  /** Records an event from a controller (or the kubelet, on this node). */
  event(
    component: string,
    obj: KubeObject,
    kind: EventKind,
    reason: string,
    message: string,
    fieldPath?: string,
  ): void {
    this.events.record(
      component === 'kubelet' ? { component, host: NODE_NAME } : { component },
      obj,
      kind,
      reason,
      message,
      fieldPath,
    );
  }

  /** Forgets what was kept about an object that is gone. */
  forget(uid: string): void {
    this.startedAt.delete(uid);
    for (const key of this.attempts.keys())
      if (key.endsWith(`/${uid}`)) this.attempts.delete(key);
  }

  type(group: string, resource: string): ResourceType {
    return this.cluster.registry.get(group, resource)!;
  }

  get(
    group: string,
    resource: string,
    ns: string,
    name: string,
  ): KubeObject | undefined {
    return this.cluster.getRaw(this.type(group, resource), ns, name);
  }

  list(group: string, resource: string, ns?: string): KubeObject[] {
    return this.cluster.store.list(`${group}/${resource}`, ns);
  }

  /** Objects in a namespace whose controller reference points at `owner`. */
  owned(group: string, resource: string, owner: KubeObject): KubeObject[] {
    return this.list(group, resource, owner.metadata.namespace).filter(obj =>
      (obj.metadata.ownerReferences ?? []).some(
        ref => ref.uid === owner.metadata.uid && ref.controller,
      ),
    );
  }

  create(
    group: string,
    resource: string,
    obj: KubeObject,
  ): KubeObject | undefined {
    return this.ignoreGone(() =>
      this.cluster.create(
        this.type(group, resource),
        obj.metadata.namespace ?? '',
        obj,
        { manager: CONTROLLER_MANAGER },
      ),
    );
  }

  /** Creates, and says why when the server refuses (a controller's FailedCreate). */
  tryCreate(
    group: string,
    resource: string,
    obj: KubeObject,
  ): { created?: KubeObject; error?: ApiError } {
    try {
      return {
        created: this.cluster.create(
          this.type(group, resource),
          obj.metadata.namespace ?? '',
          obj,
          { manager: CONTROLLER_MANAGER },
        ),
      };
    } catch (e) {
      if (e instanceof ApiError) return { error: e };
      throw e;
    }
  }

  update(
    group: string,
    resource: string,
    obj: KubeObject,
  ): KubeObject | undefined {
    return this.ignoreGone(() =>
      this.cluster.replace(
        this.type(group, resource),
        obj.metadata.namespace ?? '',
        obj.metadata.name!,
        obj,
        { manager: CONTROLLER_MANAGER },
      ),
    );
  }

  /** Writes status only when it changed. */
  setStatus(
    group: string,
    resource: string,
    obj: KubeObject,
    status: Record<string, unknown>,
  ): KubeObject | undefined {
    if (deepEqual(obj.status, status)) return obj;
    return this.ignoreGone(() =>
      this.cluster.writeStatus(
        this.type(group, resource),
        obj,
        status,
        group === '' && resource === 'pods' ? 'kubelet' : CONTROLLER_MANAGER,
      ),
    );
  }

  /** The scheduler's binding and the kubelet's first status of a pod, in one write. */
  bindPod(pod: KubeObject, status: Record<string, unknown>): KubeObject {
    return (
      this.ignoreGone(() =>
        this.cluster.writeStatus(
          this.type('', 'pods'),
          pod,
          status,
          'kubelet',
          { nodeName: NODE_NAME },
        ),
      ) ?? pod
    );
  }

  /** Deletes (dependents in the background); false when it was already gone. */
  delete(group: string, resource: string, obj: KubeObject): boolean {
    return (
      this.ignoreGone(() =>
        this.cluster.delete(
          this.type(group, resource),
          obj.metadata.namespace ?? '',
          obj.metadata.name!,
          { propagationPolicy: 'Background' },
        ),
      ) !== undefined
    );
  }

  /** Controllers race with users; an object that vanished or a namespace going away is not an error. */
  private ignoreGone<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (
        e instanceof ApiError &&
        (e.code === 404 || e.code === 409 || e.code === 403)
      )
        return undefined;
      throw e;
    }
  }
}

export function controllerRef(
  owner: KubeObject,
  apiVersion: string,
  kind: string,
): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** A short stable hash of a pod template, in Kubernetes' safe alphabet. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest();
  let out = '';
  for (let i = 0; i < 10; i++)
    out += safeAlphabet[digest[i] % safeAlphabet.length];
  return out;
}

/** An image whose tag is `fail` never pulls: its pods never become ready. */
export function imageFails(image: unknown): boolean {
  return typeof image === 'string' && /:fail$/.test(image);
}

export function templateFails(template: any): boolean {
  return [
    ...(template?.spec?.containers ?? []),
    ...(template?.spec?.initContainers ?? []),
  ].some((c: any) => imageFails(c?.image));
}

export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some(
    (c: any) => c.type === 'Ready' && c.status === 'True',
  );
}

/** A condition list entry that keeps its transition time while its status holds. */
export function condition(
  previous: any[] | undefined,
  type: string,
  status: string,
  reason: string,
  message: string,
  now: string,
  withUpdateTime = false,
): Record<string, unknown> {
  const old = (previous ?? []).find(c => c.type === type);
  const same = old && old.status === status;
  const sameReason = same && old.reason === reason && old.message === message;
  return {
    type,
    status,
    ...(withUpdateTime
      ? { lastUpdateTime: sameReason ? old.lastUpdateTime : now }
      : {}),
    lastTransitionTime: same ? old.lastTransitionTime : now,
    reason,
    message,
  };
}
