import { Cluster } from '../cluster';
import { KubeObject } from '../types';
import { EventRecorder } from './events';

function setup(options: ConstructorParameters<typeof EventRecorder>[1] = {}) {
  const cluster = new Cluster();
  const namespaces = cluster.registry.get('', 'namespaces')!;
  for (const name of ['default', 'shop'])
    cluster.create(namespaces, '', { metadata: { name } }, { manager: 'test' });
  const pod = cluster.create(
    cluster.registry.get('', 'pods')!,
    'shop',
    {
      metadata: { name: 'web-1' },
      spec: { containers: [{ name: 'web', image: 'web:1' }] },
    },
    { manager: 'test' },
  );
  const recorder = new EventRecorder(cluster, options);
  const events = () => cluster.store.list('/events', 'shop');
  return { cluster, recorder, pod, events };
}

describe('EventRecorder', () => {
  it('records an event as client-go does: the object referenced, source, times, count 1', () => {
    const { recorder, pod, events } = setup();
    try {
      recorder.record(
        { component: 'kubelet', host: 'kube-sim' },
        pod,
        'Normal',
        'Pulling',
        'Pulling image "web:1"',
        'spec.containers{web}',
      );
      const [event] = events();
      expect(event).toMatchObject({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { namespace: 'shop' },
        involvedObject: {
          kind: 'Pod',
          namespace: 'shop',
          name: 'web-1',
          uid: pod.metadata.uid,
          apiVersion: 'v1',
          resourceVersion: pod.metadata.resourceVersion,
          fieldPath: 'spec.containers{web}',
        },
        reason: 'Pulling',
        message: 'Pulling image "web:1"',
        source: { component: 'kubelet', host: 'kube-sim' },
        count: 1,
        type: 'Normal',
        eventTime: null,
        reportingComponent: 'kubelet',
        reportingInstance: 'kube-sim',
      });
      expect(event.metadata.name).toMatch(/^web-1\.[0-9a-f]{16,}$/);
      expect(event.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(event.lastTimestamp).toBe(event.firstTimestamp);
      expect(event.metadata.managedFields?.[0]).toMatchObject({
        manager: 'kubelet',
        operation: 'Update',
      });
    } finally {
      recorder.stop();
    }
  });

  it('counts a repeated event on the first one, and keeps other messages apart', () => {
    const { recorder, pod, events } = setup();
    try {
      const source = { component: 'kubelet', host: 'kube-sim' };
      recorder.record(source, pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      const first = events()[0];
      recorder.record(source, pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      recorder.record(source, pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      recorder.record(source, pod, 'Warning', 'Failed', 'Error: other');
      const all = events();
      expect(all).toHaveLength(2);
      const repeated = all.find(e => e.message === 'Error: ErrImagePull')!;
      expect(repeated.metadata.name).toBe(first.metadata.name);
      expect(repeated.metadata.uid).toBe(first.metadata.uid);
      expect(repeated.count).toBe(3);
      expect(repeated.firstTimestamp).toBe(first.firstTimestamp);
      expect(
        Number(repeated.metadata.resourceVersion) >
          Number(first.metadata.resourceVersion),
      ).toBe(true);
      expect(all.find(e => e.message === 'Error: other')!.count).toBe(1);
    } finally {
      recorder.stop();
    }
  });

  it('combines more than ten similar events with other messages, as the EventAggregator does', () => {
    const { recorder, pod, events } = setup();
    try {
      const source = { component: 'job-controller' };
      for (let i = 1; i <= 12; i++)
        recorder.record(source, pod, 'Warning', 'FailedCreate', `error ${i}`);
      const combined = events().filter(e =>
        e.message.startsWith('(combined from similar events): '),
      );
      expect(events()).toHaveLength(11);
      expect(combined).toHaveLength(1);
      expect(combined[0]).toMatchObject({
        message: '(combined from similar events): error 12',
        count: 2,
      });
    } finally {
      recorder.stop();
    }
  });

  it("records the scheduler's events as events.k8s.io does: eventTime, action, a series when repeated", () => {
    const { cluster, recorder, pod, events } = setup();
    try {
      const schedule = () =>
        recorder.recordSeries(
          'default-scheduler',
          'default-scheduler-kube-sim',
          pod,
          'Normal',
          'Scheduled',
          'Binding',
          'Successfully assigned shop/web-1 to kube-sim',
        );
      schedule();
      const [event] = events();
      expect(event).toMatchObject({
        reason: 'Scheduled',
        action: 'Binding',
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        reportingComponent: 'default-scheduler',
        reportingInstance: 'default-scheduler-kube-sim',
      });
      expect(event.count).toBeUndefined();
      expect(event.eventTime).toMatch(/\.\d{6}Z$/);
      schedule();
      expect(events()).toHaveLength(1);
      expect(events()[0].series).toMatchObject({ count: 2 });

      // The same event through events.k8s.io/v1.
      const v1 = cluster.get(
        cluster.registry.get('events.k8s.io', 'events')!,
        'shop',
        event.metadata.name!,
      );
      expect(v1).toMatchObject({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        regarding: { kind: 'Pod', name: 'web-1' },
        note: 'Successfully assigned shop/web-1 to kube-sim',
        reportingController: 'default-scheduler',
        action: 'Binding',
        deprecatedSource: {},
        series: { count: 2 },
      });
      expect(v1.involvedObject).toBeUndefined();
    } finally {
      recorder.stop();
    }
  });

  it('puts events about cluster-scoped objects in default, and drops what a namespace refuses', () => {
    const { cluster, recorder } = setup();
    try {
      const node = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'shop', uid: 'u-1', resourceVersion: '1' },
      } as KubeObject;
      recorder.record({ component: 'test' }, node, 'Normal', 'Seen', 'seen');
      expect(cluster.store.list('/events', 'default')).toHaveLength(1);
      const elsewhere = {
        ...node,
        kind: 'Pod',
        metadata: { ...node.metadata, namespace: 'gone' },
      };
      expect(() =>
        recorder.record({ component: 'test' }, elsewhere, 'Normal', 'X', 'y'),
      ).not.toThrow();
      expect(cluster.store.list('/events', 'gone')).toHaveLength(0);
    } finally {
      recorder.stop();
    }
  });

  it('keeps a bounded number of events per namespace, and forgets them after the TTL', () => {
    const { recorder, pod, events } = setup({
      maxPerNamespace: 5,
      ttlMs: 60_000,
    });
    try {
      for (let i = 0; i < 8; i++)
        recorder.record(
          { component: 'test' },
          pod,
          'Normal',
          `Reason${i}`,
          `message ${i}`,
        );
      expect(events().map(e => e.reason)).toEqual(
        expect.arrayContaining(['Reason3', 'Reason7']),
      );
      expect(events()).toHaveLength(5);
      expect(events().some(e => e.reason === 'Reason2')).toBe(false);
      recorder.sweep(Date.now() + 30_000);
      expect(events()).toHaveLength(5);
      recorder.sweep(Date.now() + 61_000);
      expect(events()).toHaveLength(0);
    } finally {
      recorder.stop();
    }
  });

  it('is selected by the field labels Kubernetes indexes, in both groups', () => {
    const { cluster, recorder, pod } = setup();
    try {
      recorder.record(
        { component: 'kubelet', host: 'kube-sim' },
        pod,
        'Warning',
        'Failed',
        'Error: ImagePullBackOff',
      );
      recorder.record(
        { component: 'replicaset-controller' },
        {
          ...pod,
          kind: 'ReplicaSet',
          metadata: { ...pod.metadata, name: 'rs' },
        },
        'Normal',
        'SuccessfulCreate',
        'Created pod: web-1',
      );
      const core = cluster.registry.get('', 'events')!;
      const v1 = cluster.registry.get('events.k8s.io', 'events')!;
      const names = (type: typeof core, fieldSelector: string) =>
        (
          cluster.list(type, 'shop', { fieldSelector }).items as KubeObject[]
        ).map(e => e.reason);
      expect(names(core, 'involvedObject.name=web-1')).toEqual(['Failed']);
      expect(names(core, 'involvedObject.kind=ReplicaSet')).toEqual([
        'SuccessfulCreate',
      ]);
      expect(names(core, 'type=Warning')).toEqual(['Failed']);
      expect(names(core, 'reason=SuccessfulCreate')).toEqual([
        'SuccessfulCreate',
      ]);
      expect(names(core, 'source=kubelet')).toEqual(['Failed']);
      expect(
        names(
          core,
          `involvedObject.uid=${pod.metadata.uid},involvedObject.kind=Pod`,
        ),
      ).toEqual(['Failed']);
      expect(names(v1, 'regarding.name=rs')).toEqual(['SuccessfulCreate']);
      expect(names(v1, 'reportingController=kubelet')).toEqual(['Failed']);
      const list = cluster.list(v1, 'shop', {});
      expect(list).toMatchObject({
        kind: 'EventList',
        apiVersion: 'events.k8s.io/v1',
      });
    } finally {
      recorder.stop();
    }
  });
});
