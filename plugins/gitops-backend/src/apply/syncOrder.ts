import { ANNOTATION_SYNC_WAVE } from '@mooring/plugin-gitops-common';
import { KubeObject, groupOf } from '../kube/kubeObject';

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

/** The object's sync wave; 0 when absent. Throws on a value that is not an integer. */
export function syncWave(object: KubeObject): number {
  const value = object.metadata.annotations?.[ANNOTATION_SYNC_WAVE];
  if (value === undefined || value === '') return 0;
  if (!/^-?\d+$/.test(value.trim())) {
    throw new Error(
      `${object.kind} ${object.metadata.name} has ${ANNOTATION_SYNC_WAVE}: "${value}", which is not an integer`,
    );
  }
  return Number(value.trim());
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
    a.metadata.name.localeCompare(b.metadata.name)
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
