import { randomBytes } from 'node:crypto';
import { Cluster } from '../cluster';
import { StoreEvent } from '../store';
import { KubeObject } from '../types';
import {
  reconcileAutoscaler,
  reconcileClaim,
  reconcileLoadBalancer,
  reconcilePod,
} from './kubelet';
import { EventRecorder } from './events';
import { ControllerContext, eventManager } from './runtime';
import {
  reconcileDaemonSet,
  reconcileDeployment,
  reconcileJob,
  reconcileReplicaSet,
  reconcileStatefulSet,
} from './workloads';

export type ControllerOptions = {
  /** How long pods take to start, claims to bind and load balancers to get an address (default 500 ms). */
  delayMs?: number;
  /** Registers the token of a service-account token Secret. */
  registerToken: (token: string, user: string, groups: string[]) => void;
  /** PEM of the server certificate, for kube-root-ca.crt and token Secrets. */
  caData: string;
  /** How long events live after their last write (1 hour), and how many a namespace keeps (1,000). */
  events?: { ttlMs?: number; maxPerNamespace?: number };
};

const ownerResources: Record<string, [string, string]> = {
  ReplicaSet: ['apps', 'replicasets'],
  Deployment: ['apps', 'deployments'],
  StatefulSet: ['apps', 'statefulsets'],
  DaemonSet: ['apps', 'daemonsets'],
  Job: ['batch', 'jobs'],
};

/**
 * Starts the simulated controllers: they react to changes (a short, batched
 * delay later) and converge objects the way a healthy cluster does.
 * Returns a function that stops them.
 */
export function startControllers(
  cluster: Cluster,
  options: ControllerOptions,
): () => void {
  const delayMs = options.delayMs ?? 500;
  const queue = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  const enqueue = (key: string, delay: number, work: () => void) => {
    if (stopped || queue.has(key)) return;
    queue.set(
      key,
      setTimeout(() => {
        queue.delete(key);
        if (stopped) return;
        try {
          work();
        } catch (error) {
          // A controller failure must not take the API server down; it retries on the next change.
          process.stderr.write(
            `kube-sim: controller for ${key} failed: ${
              (error as Error).message
            }\n`,
          );
        }
      }, delay),
    );
  };

  const events = new EventRecorder(cluster, {
    ...options.events,
    managerOf: eventManager,
  });
  const ctx = new ControllerContext(cluster, delayMs, events, enqueue);
  const quick = Math.min(20, delayMs);
  const schedule = (
    group: string,
    resource: string,
    ns: string,
    name: string,
  ) => {
    const key = `${group}/${resource}/${ns}/${name}`;
    switch (resource) {
      case 'deployments':
        return enqueue(key, quick, () => reconcileDeployment(ctx, ns, name));
      case 'replicasets':
        return enqueue(key, quick, () => reconcileReplicaSet(ctx, ns, name));
      case 'statefulsets':
        return enqueue(key, quick, () => reconcileStatefulSet(ctx, ns, name));
      case 'daemonsets':
        return enqueue(key, quick, () => reconcileDaemonSet(ctx, ns, name));
      case 'jobs':
        return enqueue(key, quick, () => reconcileJob(ctx, ns, name));
      case 'pods':
        return enqueue(key, delayMs, () => reconcilePod(ctx, ns, name));
      case 'persistentvolumeclaims':
        return enqueue(key, delayMs, () => reconcileClaim(ctx, ns, name));
      case 'services':
      case 'ingresses':
        return enqueue(key, delayMs, () =>
          reconcileLoadBalancer(ctx, group, resource, ns, name),
        );
      case 'horizontalpodautoscalers':
        return enqueue(key, quick, () => reconcileAutoscaler(ctx, ns, name));
      default:
        return undefined;
    }
  };

  // A change wakes its controller, and that one's controller (a pod's ReplicaSet's Deployment).
  const byOwner = (obj: KubeObject, depth = 0) => {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const target = ownerResources[ref.kind];
      if (!ref.controller || !target) continue;
      const ns = obj.metadata.namespace ?? '';
      schedule(target[0], target[1], ns, ref.name);
      const owner =
        depth === 0 ? ctx.get(target[0], target[1], ns, ref.name) : undefined;
      if (owner) byOwner(owner, depth + 1);
    }
  };

  const onEvent = (event: StoreEvent) => {
    const obj = event.object;
    const [group, resource] = splitKey(event.resourceKey);
    const ns = obj.metadata.namespace ?? '';
    if (resource === 'events') return;
    if (event.type !== 'DELETED')
      schedule(group, resource, ns, obj.metadata.name!);
    else ctx.forget(obj.metadata.uid!);
    byOwner(obj);
    if (resource === 'namespaces' && event.type === 'ADDED') {
      enqueue(`ns/${obj.metadata.name}`, quick, () =>
        populateNamespace(ctx, obj.metadata.name!, options.caData),
      );
    }
    if (
      resource === 'secrets' &&
      event.type !== 'DELETED' &&
      obj.type === 'kubernetes.io/service-account-token'
    ) {
      enqueue(`token/${ns}/${obj.metadata.name}`, quick, () =>
        fillToken(ctx, ns, obj.metadata.name!, options),
      );
    }
  };

  const unsubscribe = cluster.store.subscribeAll(onEvent);
  // Converge what already exists (restored state, objects created before start).
  for (const key of cluster.store.resourceKeys()) {
    for (const obj of cluster.store.list(key)) {
      onEvent({ type: 'ADDED', resourceKey: key, rv: 0, object: obj });
    }
  }
  return () => {
    stopped = true;
    unsubscribe();
    events.stop();
    for (const timer of queue.values()) clearTimeout(timer);
    queue.clear();
  };
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

/** Every namespace gets a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap. */
function populateNamespace(
  ctx: ControllerContext,
  ns: string,
  caData: string,
): void {
  const namespace = ctx.get('', 'namespaces', '', ns);
  if (!namespace || namespace.metadata.deletionTimestamp) return;
  if (!ctx.get('', 'serviceaccounts', ns, 'default')) {
    ctx.create('', 'serviceaccounts', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default', namespace: ns },
    });
  }
  if (!ctx.get('', 'configmaps', ns, 'kube-root-ca.crt')) {
    ctx.create('', 'configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'kube-root-ca.crt',
        namespace: ns,
        annotations: {
          'kubernetes.io/description':
            'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
        },
      },
      data: { 'ca.crt': caData },
    });
  }
}

/** Service-account token Secrets get a token that authenticates as their ServiceAccount. */
function fillToken(
  ctx: ControllerContext,
  ns: string,
  name: string,
  options: ControllerOptions,
): void {
  const secret = ctx.get('', 'secrets', ns, name);
  if (!secret) return;
  const account =
    secret.metadata.annotations?.['kubernetes.io/service-account.name'];
  if (!account) return;
  const user = `system:serviceaccount:${ns}:${account}`;
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`];
  const existing = secret.data?.token;
  if (existing) {
    options.registerToken(
      Buffer.from(existing, 'base64').toString(),
      user,
      groups,
    );
    return;
  }
  const token = `ksim-sa-${randomBytes(24).toString('hex')}`;
  options.registerToken(token, user, groups);
  ctx.update('', 'secrets', {
    ...secret,
    data: {
      ...secret.data,
      token: Buffer.from(token).toString('base64'),
      namespace: Buffer.from(ns).toString('base64'),
      'ca.crt': Buffer.from(options.caData).toString('base64'),
    },
  });
}
