import type { ApplicationResource } from '@mooring/plugin-gitops-common';
import type { GitopsHealthCheck } from '@mooring/plugin-gitops-node';
import { objectHealth } from '../health/objectHealth';
import { KubeObject, resourceRef } from './kubeObject';

/**
 * The kinds a controller creates for the kinds Mooring applies, as
 * `[apiVersion, kind]`: Deployment → ReplicaSet → Pod, CronJob → Job → Pod, …
 */
export const CHILD_KINDS: Record<string, Array<[string, string]>> = {
  Deployment: [['apps/v1', 'ReplicaSet']],
  ReplicaSet: [['v1', 'Pod']],
  StatefulSet: [['v1', 'Pod']],
  DaemonSet: [['v1', 'Pod']],
  CronJob: [['batch/v1', 'Job']],
  Job: [['v1', 'Pod']],
};

/** The child kinds worth watching for these resources (none for a ConfigMap-only app). */
export function childKindsOf(
  resources: Array<{ kind: string }>,
): Array<[string, string]> {
  const found = new Map<string, [string, string]>();
  const visit = (kind: string) => {
    for (const [apiVersion, child] of CHILD_KINDS[kind] ?? []) {
      const key = `${apiVersion}/${child}`;
      if (found.has(key)) continue;
      found.set(key, [apiVersion, child]);
      visit(child);
    }
  };
  for (const r of resources) visit(r.kind);
  return [...found.values()];
}

interface OwnerReference {
  kind: string;
  name: string;
  uid?: string;
}

function ownerReferencesOf(object: KubeObject): OwnerReference[] {
  const refs = object.metadata.ownerReferences;
  return Array.isArray(refs) ? (refs as OwnerReference[]) : [];
}

/**
 * The live objects that the application's resources own, transitively, found
 * through `ownerReferences` (by uid when the owner is live, else by kind and
 * name). They come from controllers, not from Git, so they are never out of
 * sync; their health is shown so a failing Pod is visible under its Deployment.
 */
export function liveChildren(
  roots: Array<{ kind: string; namespace: string; name: string }>,
  liveOf: (apiVersion: string, kind: string) => readonly KubeObject[],
  healthChecks: GitopsHealthCheck[] = [],
): ApplicationResource[] {
  const children: ApplicationResource[] = [];
  let parents = roots.map(r => ({
    ...r,
    uid: undefined as string | undefined,
  }));
  const seen = new Set<string>();
  while (parents.length > 0) {
    const next: typeof parents = [];
    for (const [apiVersion, kind] of childKindsOf(parents)) {
      for (const object of liveOf(apiVersion, kind)) {
        const namespace = object.metadata.namespace ?? '';
        const owners = ownerReferencesOf(object);
        const owner = parents.find(p =>
          owners.some(
            ref =>
              p.namespace === namespace &&
              ref.kind === p.kind &&
              ref.name === p.name &&
              (!p.uid || ref.uid === p.uid),
          ),
        );
        if (!owner) continue;
        const key = `${kind}/${namespace}/${object.metadata.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const health = objectHealth(object, healthChecks);
        children.push({
          ...resourceRef(object),
          sync: 'Synced',
          health: health.status,
          healthMessage: health.message,
          parent: { kind: owner.kind, namespace, name: owner.name },
        });
        next.push({
          kind,
          namespace,
          name: object.metadata.name,
          uid: object.metadata.uid as string | undefined,
        });
      }
    }
    parents = next;
  }
  return children;
}
