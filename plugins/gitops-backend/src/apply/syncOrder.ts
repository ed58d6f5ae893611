import { KubeObject, groupOf } from '../kube/kubeObject';
import { syncWaveOf } from './syncAnnotations';

/**
 * Kinds in the order they are applied within a wave (as Helm and Argo CD do):
 * what others depend on comes first. Unknown kinds go after the known ones.
 */
const KIND_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

const kindRank = new Map(KIND_ORDER.map((kind, index) => [kind, index]));

/** The object's sync wave (Mooring's or Argo CD's spelling); 0 when absent. Throws on a value that is not an integer. */
export function syncWave(object: KubeObject): number {
  return syncWaveOf(object);
}

/** CRDs and Namespaces go before everything, as everything else may need them. */
function stage(object: KubeObject): number {
  if (
    object.kind === 'CustomResourceDefinition' &&
    groupOf(object) === 'apiextensions.k8s.io'
  ) {
    return 0;
  }
  if (object.kind === 'Namespace' && groupOf(object) === '') return 0;
  return 1;
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  return (
    stage(a) - stage(b) ||
    syncWave(a) - syncWave(b) ||
    (kindRank.get(a.kind) ?? KIND_ORDER.length) -
      (kindRank.get(b.kind) ?? KIND_ORDER.length) ||
    a.kind.localeCompare(b.kind) ||
    (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
    (a.metadata.name ?? a.metadata.generateName ?? '').localeCompare(
      b.metadata.name ?? b.metadata.generateName ?? '',
    )
  );
}

/** Objects in apply order: stage, then wave, then kind, then namespace and name. */
export function sortForApply(objects: KubeObject[]): KubeObject[] {
  return [...objects].sort(compareObjects);
}

/** Objects in delete order: the reverse of apply order. */
export function sortForDelete(objects: KubeObject[]): KubeObject[] {
  return sortForApply(objects).reverse();
}

/**
 * Groups sorted objects into steps that are applied one after another; the
 * objects of one step may be applied in parallel.
 */
export function applySteps(objects: KubeObject[]): KubeObject[][] {
  const steps: KubeObject[][] = [];
  let previous: string | undefined;
  for (const object of sortForApply(objects)) {
    const step = `${stage(object)}/${syncWave(object)}/${
      kindRank.get(object.kind) ?? object.kind
    }`;
    if (step !== previous) steps.push([]);
    steps[steps.length - 1].push(object);
    previous = step;
  }
  return steps;
}

/**
 * Groups sorted objects by wave: each group is applied (kind by kind, see
 * `applySteps`) and must be Healthy before the next starts. CRDs and
 * Namespaces form a group of their own before the first wave.
 */
export function waveGroups(
  objects: KubeObject[],
): Array<{ wave: number; objects: KubeObject[] }> {
  const groups: Array<{ wave: number; key: string; objects: KubeObject[] }> =
    [];
  for (const object of sortForApply(objects)) {
    const wave = syncWave(object);
    const key = `${stage(object)}/${wave}`;
    const last = groups[groups.length - 1];
    if (last?.key === key) last.objects.push(object);
    else groups.push({ wave, key, objects: [object] });
  }
  return groups.map(({ wave, objects: members }) => ({
    wave,
    objects: members,
  }));
}
