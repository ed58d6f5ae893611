import type { KubernetesEvent } from '../api';
import { FakeGitopsApi } from './FakeGitopsApi';
import { makeApp, resources } from './fixtures';

export const deploymentLive = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: payments',
  '  namespace: payments',
  '  managedFields:',
  '  - manager: mooring',
  '    operation: Apply',
  'spec:',
  '  replicas: 5',
].join('\n');

export const deploymentDesired = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: payments',
  '  namespace: payments',
  'spec:',
  '  replicas: 3',
].join('\n');

const podLive = [
  'apiVersion: v1',
  'kind: Pod',
  'metadata:',
  '  name: payments-7d9f8-abcde',
  'spec:',
  '  initContainers:',
  '  - name: migrate',
  '  containers:',
  '  - name: app',
  '  - name: proxy',
].join('\n');

export const events: KubernetesEvent[] = [
  {
    metadata: { name: 'payments.1', uid: 'e1' },
    type: 'Normal',
    reason: 'ScalingReplicaSet',
    message: 'Scaled up replica set payments-7d9f8 to 3',
    count: 1,
    lastTimestamp: new Date(Date.now() - 3_600_000).toISOString(),
    involvedObject: { kind: 'Deployment', name: 'payments' },
  },
  {
    metadata: { name: 'payments-7d9f8-abcde.2', uid: 'e2' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container app',
    count: 12,
    lastTimestamp: new Date(Date.now() - 120_000).toISOString(),
    involvedObject: { kind: 'Pod', name: 'payments-7d9f8-abcde' },
  },
];

/** payments with its Deployment → ReplicaSet → Pod tree, manifests, events and logs. */
export function detailsApi() {
  const app = makeApp();
  const api = new FakeGitopsApi([app]);
  api.resources[app.id] = resources;
  api.manifests['Deployment/payments/payments'] = {
    live: deploymentLive,
    desired: deploymentDesired,
  };
  api.manifests['Pod/payments/payments-7d9f8-abcde'] = {
    live: podLive,
    desired: null,
  };
  api.manifests['Service/payments/payments'] = {
    live: 'kind: Service\n',
    desired: 'kind: Service\n',
  };
  api.events['Deployment/payments/payments'] = events;
  api.logs['payments-7d9f8-abcde/app'] = Array.from(
    { length: 200 },
    (_, i) => `app line ${i + 1}\n`,
  ).join('');
  api.logs['payments-7d9f8-abcde/proxy'] = 'proxy ready\n';
  return { app, api };
}
