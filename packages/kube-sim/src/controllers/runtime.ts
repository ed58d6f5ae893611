import { createHash } from 'node:crypto';
import { Cluster } from '../cluster';
import { ApiError } from '../errors';
import { ResourceType } from '../resources';
import { deepEqual, KubeObject, OwnerReference } from '../types';

export const CONTROLLER_MANAGER = 'kube-controller-manager';

/** Helpers the simulated controllers share: typed lookups and idempotent writes. */
export class ControllerContext {
  constructor(readonly cluster: Cluster, readonly delayMs: number) {}

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
  ): void {
    if (deepEqual(obj.status, status)) return;
    this.ignoreGone(() =>
      this.cluster.writeStatus(
        this.type(group, resource),
        obj,
        status,
        CONTROLLER_MANAGER,
      ),
    );
  }

  delete(group: string, resource: string, obj: KubeObject): void {
    this.ignoreGone(() =>
      this.cluster.delete(
        this.type(group, resource),
        obj.metadata.namespace ?? '',
        obj.metadata.name!,
        {},
      ),
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
