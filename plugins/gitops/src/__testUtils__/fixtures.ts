import type { Entity } from '@backstage/catalog-model';
import type {
  Application,
  ApplicationResource,
  Operation,
  ResourceDiff,
  SyncRun,
} from '@mooring/plugin-gitops-common';

export const SYNCED_SHA = '3f2a9c1d4e5b6a7980c1d2e3f4a5b6c7d8e9f012';
export const OLD_SHA = '9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a09';

export const paymentsEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments',
    namespace: 'default',
    annotations: {
      'mooring.dev/cluster': 'dev',
      'mooring.dev/path': 'deploy/payments',
      'mooring.dev/namespace': 'payments',
      'mooring.dev/repo': 'https://git.example.com/acme/payments.git',
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

export const plainEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'ledger', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
};

export function makeApp(overrides: Partial<Application> = {}): Application {
  return {
    id: 'component.default.payments.default',
    entityRef: 'component:default/payments',
    target: 'default',
    source: {
      repoUrl: 'https://git.example.com/acme/payments.git',
      path: 'deploy/payments',
      revision: 'main',
    },
    destination: { cluster: 'dev', namespace: 'payments' },
    policy: { sync: 'manual', prune: false, selfHeal: false },
    status: {
      sync: 'Synced',
      health: 'Healthy',
      syncedRevision: SYNCED_SHA,
      targetRevision: SYNCED_SHA,
      reconciledAt: new Date(Date.now() - 60_000).toISOString(),
      message: '',
    },
    ...overrides,
  };
}

export function makeRun(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: 'run-2',
    revision: SYNCED_SHA,
    commit: {
      sha: SYNCED_SHA,
      author: 'Ada Lovelace',
      message: 'Raise payments replicas to 3\n\nFor the sale.',
      date: new Date(Date.now() - 3_600_000).toISOString(),
    },
    startedAt: new Date(Date.now() - 600_000).toISOString(),
    finishedAt: new Date(Date.now() - 570_000).toISOString(),
    phase: 'Succeeded',
    initiatedBy: 'user:default/guest',
    message: 'Applied 3 objects',
    changes: [
      {
        kind: 'Deployment',
        namespace: 'payments',
        name: 'payments',
        action: 'configured',
      },
      {
        kind: 'Service',
        namespace: 'payments',
        name: 'payments',
        action: 'unchanged',
      },
    ],
    ...overrides,
  };
}

export const history: SyncRun[] = [
  makeRun(),
  makeRun({
    id: 'run-1',
    revision: OLD_SHA,
    commit: {
      sha: OLD_SHA,
      author: 'Grace Hopper',
      message: 'First deployment of payments',
      date: new Date(Date.now() - 86_400_000).toISOString(),
    },
    startedAt: new Date(Date.now() - 86_000_000).toISOString(),
    finishedAt: new Date(Date.now() - 85_990_000).toISOString(),
    initiatedBy: 'webhook',
    changes: [
      {
        kind: 'Deployment',
        namespace: 'payments',
        name: 'payments',
        action: 'created',
      },
    ],
  }),
];

export const resources: ApplicationResource[] = [
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    namespace: 'payments',
    name: 'payments',
    sync: 'OutOfSync',
    health: 'Healthy',
    healthMessage: '3 of 3 replicas available',
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    namespace: 'payments',
    name: 'payments-7d9f8',
    sync: 'Synced',
    health: 'Healthy',
    healthMessage: '',
    parent: { kind: 'Deployment', namespace: 'payments', name: 'payments' },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    namespace: 'payments',
    name: 'payments-7d9f8-abcde',
    sync: 'Synced',
    health: 'Degraded',
    healthMessage: 'CrashLoopBackOff: back-off restarting failed container',
    parent: {
      kind: 'ReplicaSet',
      namespace: 'payments',
      name: 'payments-7d9f8',
    },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    namespace: 'payments',
    name: 'payments',
    sync: 'Synced',
    health: 'Healthy',
    healthMessage: '',
  },
];

export const diffs: ResourceDiff[] = [
  {
    group: 'apps',
    kind: 'Deployment',
    namespace: 'payments',
    name: 'payments',
    diff: [
      '--- live',
      '+++ desired',
      '@@ -6,3 +6,3 @@',
      ' spec:',
      '-  replicas: 5',
      '+  replicas: 3',
    ].join('\n'),
  },
  {
    group: '',
    kind: 'Secret',
    namespace: 'payments',
    name: 'payments-db',
    diff: [
      '--- live',
      '+++ desired',
      '@@ -1,2 +1,2 @@',
      ' data:',
      '-  password: "++++++++ (masked, changed)"',
      '+  password: "++++++++ (masked)"',
    ].join('\n'),
  },
];

export function makeOperation(overrides: Partial<Operation> = {}): Operation {
  return {
    id: 'op-1',
    runId: 'run-3',
    phase: 'Running',
    revision: SYNCED_SHA,
    initiatedBy: 'user:default/guest',
    startedAt: new Date().toISOString(),
    message: '',
    dryRun: false,
    prune: false,
    progress: { done: 1, total: 3 },
    ...overrides,
  };
}
