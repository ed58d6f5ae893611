import type { ApplicationResource } from '@mooring/plugin-gitops-common';
import type { ResourceIdentity } from '../../api';

/** The selector of a resource, as the manifests, events and actions endpoints take it. */
export function identityOf(r: ApplicationResource): ResourceIdentity {
  return {
    group: r.group,
    version: r.version,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
  };
}

/** "Deployment payments/payments". */
export function resourceLabel(r: {
  kind: string;
  namespace: string;
  name: string;
}): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

export const RESTARTABLE = ['Deployment', 'StatefulSet', 'DaemonSet'];
export const SCALABLE = ['Deployment', 'StatefulSet'];
/** Kinds whose details show their pods' logs. */
export const WITH_PODS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
];
