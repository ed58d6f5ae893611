import type { KubeObject } from '@mooring/plugin-gitops-node';
import type { ResourceRef } from '@mooring/plugin-gitops-common';
import { ANNOTATION_TRACKING_ID } from '@mooring/plugin-gitops-common';

export type { KubeObject };

/** Kinds of the built-in API that live outside namespaces. */
const CLUSTER_SCOPED_KINDS = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'scheduling.k8s.io/PriorityClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'apiregistration.k8s.io/APIService',
  'networking.k8s.io/IngressClass',
  'node.k8s.io/RuntimeClass',
]);

/** Splits `apps/v1` into group `apps` and version `v1` (`v1` is the core group ''). */
export function splitApiVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : {
        group: apiVersion.slice(0, slash),
        version: apiVersion.slice(slash + 1),
      };
}

export function groupOf(object: KubeObject): string {
  return splitApiVersion(object.apiVersion).group;
}

/** True for kinds known to be cluster-scoped, including CRDs declared with scope Cluster. */
export function isClusterScoped(
  group: string,
  kind: string,
  clusterScopedCustomKinds: ReadonlySet<string> = new Set(),
): boolean {
  const key = `${group}/${kind}`;
  return CLUSTER_SCOPED_KINDS.has(key) || clusterScopedCustomKinds.has(key);
}

export function resourceRef(object: KubeObject): ResourceRef {
  const { group, version } = splitApiVersion(object.apiVersion);
  return {
    group,
    version,
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
  };
}

/** A key that names one object in a cluster regardless of its API version. */
export function objectKey(ref: {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}): string {
  return `${ref.group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export function keyOfObject(object: KubeObject): string {
  return objectKey(resourceRef(object));
}

/** A human name for an object in messages: `Deployment web in namespace shop`. */
export function describeObject(ref: {
  kind: string;
  namespace?: string;
  name: string;
}): string {
  return ref.namespace
    ? `${ref.kind} ${ref.name} in namespace ${ref.namespace}`
    : `${ref.kind} ${ref.name}`;
}

/**
 * The tracking id Mooring writes on every object it applies: the application
 * id, then what the object is. Copying an object into another app or renaming
 * it does not make it Mooring's to prune.
 */
export function trackingIdFor(
  applicationId: string,
  object: KubeObject,
): string {
  const ref = resourceRef(object);
  // A hook named by the server (generateName) is known by its prefix.
  const name = ref.name ?? `${object.metadata.generateName ?? ''}*`;
  return `${applicationId}:${ref.group}/${ref.kind}:${ref.namespace}/${name}`;
}

/** The application id in an object's tracking id, if it carries one. */
export function trackedApplicationId(object: KubeObject): string | undefined {
  const value = object.metadata.annotations?.[ANNOTATION_TRACKING_ID];
  if (!value) return undefined;
  const colon = value.indexOf(':');
  return colon < 0 ? value : value.slice(0, colon);
}

/** True when the live object carries this application's tracking id for itself. */
export function isTrackedBy(
  applicationId: string,
  object: KubeObject,
): boolean {
  return (
    object.metadata.annotations?.[ANNOTATION_TRACKING_ID] ===
    trackingIdFor(applicationId, object)
  );
}
