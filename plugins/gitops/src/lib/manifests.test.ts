import {
  containersOf,
  eventCount,
  eventLastSeen,
  foldManagedFields,
  replicasOf,
  sortEvents,
} from './manifests';
import { descendantPods } from './resourceTree';
import { resources } from '../__testUtils__/fixtures';

const deployment = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: payments',
  '  managedFields:',
  '  - manager: mooring',
  '    operation: Apply',
  '    fieldsV1:',
  '      f:spec: {}',
  '  - manager: kube-controller-manager',
  '  resourceVersion: "42"',
  'spec:',
  '  replicas: 3',
].join('\n');

describe('foldManagedFields', () => {
  it('folds the managedFields block, list items at its indent included, and keeps what follows', () => {
    expect(foldManagedFields(deployment)).toBe(
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: payments',
        '  managedFields: … # 5 lines folded',
        '  resourceVersion: "42"',
        'spec:',
        '  replicas: 3',
      ].join('\n'),
    );
  });

  it('leaves YAML without managedFields alone', () => {
    const yaml = 'kind: Service\nmetadata:\n  name: payments\n';
    expect(foldManagedFields(yaml)).toBe(yaml);
  });
});

describe('replicasOf and containersOf', () => {
  it('reads spec.replicas when set', () => {
    expect(replicasOf(deployment)).toBe(3);
    expect(replicasOf('kind: Deployment\nspec: {}\n')).toBeUndefined();
    expect(replicasOf(null)).toBeUndefined();
    expect(replicasOf('{ not yaml')).toBeUndefined();
  });

  it('lists the containers then the init containers of a pod', () => {
    const pod = [
      'kind: Pod',
      'spec:',
      '  initContainers:',
      '  - name: migrate',
      '  containers:',
      '  - name: app',
      '  - name: sidecar',
    ].join('\n');
    expect(containersOf(pod)).toEqual(['app', 'sidecar', 'migrate']);
    expect(containersOf(undefined)).toEqual([]);
  });
});

describe('events', () => {
  const older = {
    metadata: { name: 'a' },
    count: 4,
    lastTimestamp: '2026-12-01T10:00:00Z',
    involvedObject: {},
  };
  const newer = {
    metadata: { name: 'b' },
    eventTime: '2026-12-01T11:00:00Z',
    series: { count: 7, lastObservedTime: '2026-12-01T12:00:00Z' },
    involvedObject: {},
  };
  it('reads count and last seen from core and events.k8s.io shapes, newest first', () => {
    expect(eventCount(older)).toBe(4);
    expect(eventCount(newer)).toBe(7);
    expect(eventCount({ metadata: { name: 'c' }, involvedObject: {} })).toBe(1);
    expect(eventLastSeen(newer)).toBe('2026-12-01T12:00:00Z');
    expect(sortEvents([older, newer]).map(e => e.metadata.name)).toEqual([
      'b',
      'a',
    ]);
  });
});

describe('descendantPods', () => {
  it("finds a Deployment's pods through its ReplicaSets, and none for a Service", () => {
    const of = { kind: 'Deployment', namespace: 'payments', name: 'payments' };
    expect(descendantPods(resources, of).map(p => p.name)).toEqual([
      'payments-7d9f8-abcde',
    ]);
    expect(
      descendantPods(resources, { ...of, kind: 'Service' }).map(p => p.name),
    ).toEqual([]);
  });
});
