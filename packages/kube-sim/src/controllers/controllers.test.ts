import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Cluster } from '../cluster';
import { KubeObject } from '../types';
import { startControllers } from '.';
import { waitFor } from '../testUtils';

jest.setTimeout(60_000);

function setup() {
  const cluster = new Cluster();
  cluster.create(
    cluster.registry.get('', 'namespaces')!,
    '',
    { metadata: { name: 'default' } },
    { manager: 'test' },
  );
  const stop = startControllers(cluster, {
    delayMs: 10,
    registerToken: () => {},
    caData: 'CA',
  });
  return { cluster, stop };
}

function createAll(cluster: Cluster, file: string) {
  const docs = parseAllDocuments(
    readFileSync(join(__dirname, '..', '__fixtures__', file), 'utf8'),
  );
  for (const doc of docs) {
    const obj = doc.toJS() as KubeObject;
    const type = cluster.typeFor(obj.apiVersion!, obj.kind!)!;
    cluster.create(type, 'default', obj, { manager: 'test' });
  }
}

const get = (cluster: Cluster, group: string, resource: string, name: string) =>
  cluster.getRaw(cluster.registry.get(group, resource)!, 'default', name);

describe('simulated controllers', () => {
  it('bring StatefulSets, DaemonSets, Jobs, claims, load balancers and autoscalers to a healthy state', async () => {
    const { cluster, stop } = setup();
    try {
      createAll(cluster, 'workloads.yaml');
      await waitFor(
        () =>
          get(cluster, 'apps', 'statefulsets', 'db')?.status?.readyReplicas ===
          2,
      );
      expect(get(cluster, 'apps', 'statefulsets', 'db')!.status).toMatchObject({
        observedGeneration: 1,
        replicas: 2,
        currentReplicas: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
      });
      expect(get(cluster, '', 'pods', 'db-0')?.status?.phase).toBe('Running');
      await waitFor(
        () =>
          get(cluster, '', 'persistentvolumeclaims', 'data-db-1')?.status
            ?.phase === 'Bound',
      );

      await waitFor(
        () =>
          get(cluster, 'apps', 'daemonsets', 'agent')?.status?.numberReady ===
          1,
      );
      expect(get(cluster, 'apps', 'daemonsets', 'agent')!.status).toMatchObject(
        { desiredNumberScheduled: 1, updatedNumberScheduled: 1 },
      );

      const jobDone = (name: string, type: string) =>
        (get(cluster, 'batch', 'jobs', name)?.status?.conditions ?? []).some(
          (c: any) => c.type === type && c.status === 'True',
        );
      await waitFor(() => jobDone('migrate', 'Complete'));
      expect(get(cluster, 'batch', 'jobs', 'migrate')!.status).toMatchObject({
        succeeded: 1,
      });
      await waitFor(() => jobDone('broken-job', 'Failed'));

      await waitFor(
        () =>
          get(cluster, '', 'services', 'public')?.status?.loadBalancer?.ingress
            ?.length === 1,
      );
      await waitFor(
        () =>
          get(cluster, '', 'persistentvolumeclaims', 'cache')?.status?.phase ===
          'Bound',
      );
      expect(
        get(cluster, '', 'persistentvolumeclaims', 'cache')!.status!.capacity,
      ).toEqual({ storage: '1Gi' });
      await waitFor(
        () =>
          get(cluster, 'autoscaling', 'horizontalpodautoscalers', 'db')?.status
            ?.currentReplicas === 2,
      );

      expect(get(cluster, '', 'serviceaccounts', 'default')).toBeDefined();
      expect(get(cluster, '', 'configmaps', 'kube-root-ca.crt')?.data).toEqual({
        'ca.crt': 'CA',
      });
    } finally {
      stop();
      cluster.stop();
    }
  });

  it('rolls a Deployment forward and deletes its ReplicaSets and Pods with it', async () => {
    const { cluster, stop } = setup();
    const deployments = cluster.registry.get('apps', 'deployments')!;
    try {
      cluster.create(
        deployments,
        'default',
        {
          metadata: { name: 'web' },
          spec: {
            replicas: 3,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [{ name: 'web', image: 'web:1' }] },
            },
          },
        },
        { manager: 'test' },
      );
      await waitFor(
        () =>
          get(cluster, 'apps', 'deployments', 'web')?.status
            ?.availableReplicas === 3,
      );
      const status = get(cluster, 'apps', 'deployments', 'web')!.status;
      expect(
        status.conditions.map((c: any) => [c.type, c.status, c.reason]),
      ).toEqual([
        ['Available', 'True', 'MinimumReplicasAvailable'],
        ['Progressing', 'True', 'NewReplicaSetAvailable'],
      ]);
      cluster.patch(
        deployments,
        'default',
        'web',
        'merge',
        {
          spec: {
            template: {
              spec: { containers: [{ name: 'web', image: 'web:fail' }] },
            },
          },
        },
        { manager: 'test' },
      );
      await waitFor(() =>
        (
          get(cluster, 'apps', 'deployments', 'web')?.status?.conditions ?? []
        ).some((c: any) => c.reason === 'ProgressDeadlineExceeded'),
      );
      // The old pods keep serving while the new ones cannot start.
      expect(
        get(cluster, 'apps', 'deployments', 'web')!.status.availableReplicas,
      ).toBe(3);

      cluster.delete(deployments, 'default', 'web');
      await waitFor(() => cluster.store.list('/pods', 'default').length === 0);
      expect(cluster.store.list('apps/replicasets', 'default')).toEqual([]);
    } finally {
      stop();
      cluster.stop();
    }
  });
  const events = (cluster: Cluster, name: string) =>
    cluster.store
      .list('/events', 'default')
      .filter(e => e.involvedObject.name === name);
  const reasons = (cluster: Cluster, name: string) =>
    events(cluster, name).map(e => e.reason);

  it('runs a Job pod as long as its sleep, then completes the Job as the job controller does', async () => {
    const { cluster, stop } = setup();
    const jobs = cluster.registry.get('batch', 'jobs')!;
    try {
      const job = cluster.create(
        jobs,
        'default',
        {
          metadata: { name: 'migrate' },
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [
                  {
                    name: 'migrate',
                    image: 'migrate:1',
                    command: ['sleep', '1'],
                  },
                ],
              },
            },
          },
        },
        { manager: 'test' },
      );
      expect(job.spec.selector).toEqual({
        matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid },
      });
      expect(job.spec.template.metadata.labels).toMatchObject({
        'job-name': 'migrate',
        'controller-uid': job.metadata.uid,
      });
      await waitFor(() =>
        cluster.store
          .list('/pods', 'default')
          .some(p => p.status?.phase === 'Running'),
      );
      const running = Date.now();
      const pod = cluster.store.list('/pods', 'default')[0];
      expect(pod.metadata.generateName).toBe('migrate-');
      expect(pod.metadata.name).toMatch(/^migrate-[a-z0-9]{5}$/);
      expect(pod.spec.nodeName).toBe('kube-sim');
      await waitFor(() =>
        (
          get(cluster, 'batch', 'jobs', 'migrate')?.status?.conditions ?? []
        ).some((c: any) => c.type === 'Complete'),
      );
      // The default delay is 10 ms here: only the sleep explains a second.
      expect(Date.now() - running).toBeGreaterThanOrEqual(950);
      const status = get(cluster, 'batch', 'jobs', 'migrate')!.status;
      expect(status).toMatchObject({
        succeeded: 1,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
      });
      expect(status.active).toBeUndefined();
      expect(status.completionTime).toMatch(/Z$/);
      expect(
        status.conditions.map((c: any) => [c.type, c.status, c.reason]),
      ).toEqual([
        ['SuccessCriteriaMet', 'True', 'CompletionsReached'],
        ['Complete', 'True', 'CompletionsReached'],
      ]);
      expect(status.conditions[1].lastProbeTime).toMatch(/Z$/);
      const done = get(cluster, '', 'pods', pod.metadata.name!)!;
      expect(done.status.phase).toBe('Succeeded');
      const terminated = done.status.containerStatuses[0].state.terminated;
      expect(terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
      expect(
        Date.parse(terminated.finishedAt) - Date.parse(terminated.startedAt),
      ).toBeGreaterThanOrEqual(1000);
      expect(reasons(cluster, 'migrate')).toEqual([
        'SuccessfulCreate',
        'Completed',
      ]);
      expect(events(cluster, 'migrate')[0].message).toBe(
        `Created pod: ${pod.metadata.name}`,
      );
      expect(reasons(cluster, pod.metadata.name!)).toEqual([
        'Scheduled',
        'Pulling',
        'Pulled',
        'Created',
        'Started',
      ]);
    } finally {
      stop();
      cluster.stop();
    }
  });

  it('fails a Job whose script exits non-zero, and keeps its pods when deleted without a propagation policy', async () => {
    const { cluster, stop } = setup();
    const jobs = cluster.registry.get('batch', 'jobs')!;
    try {
      cluster.create(
        jobs,
        'default',
        {
          metadata: { name: 'broken' },
          spec: {
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [
                  {
                    name: 'main',
                    image: 'tools:1',
                    command: ['sh', '-c', 'echo no database; exit 3'],
                  },
                ],
              },
            },
          },
        },
        { manager: 'test' },
      );
      await waitFor(() =>
        (
          get(cluster, 'batch', 'jobs', 'broken')?.status?.conditions ?? []
        ).some((c: any) => c.type === 'Failed'),
      );
      const job = get(cluster, 'batch', 'jobs', 'broken')!;
      expect(job.status).toMatchObject({ failed: 1 });
      const [pod] = cluster.store.list('/pods', 'default');
      expect(pod.status.phase).toBe('Failed');
      expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({
        exitCode: 3,
        reason: 'Error',
      });
      const failure = events(cluster, 'broken').find(
        e => e.reason === 'BackoffLimitExceeded',
      );
      expect(failure).toMatchObject({
        type: 'Warning',
        message: 'Job has reached the specified backoff limit',
        source: { component: 'job-controller' },
      });

      // batch/v1's default: the pods stay, without their owner.
      cluster.delete(jobs, 'default', 'broken', {});
      await new Promise(resolve => setTimeout(resolve, 100));
      const orphan = get(cluster, '', 'pods', pod.metadata.name!);
      expect(orphan).toBeDefined();
      expect(orphan!.metadata.ownerReferences).toBeUndefined();
    } finally {
      stop();
      cluster.stop();
    }
  });

  it("deletes a Job's pods with Background, and keeps the owner until they are gone with Foreground", async () => {
    const { cluster, stop } = setup();
    const jobs = cluster.registry.get('batch', 'jobs')!;
    const deployments = cluster.registry.get('apps', 'deployments')!;
    const job = (name: string) => ({
      metadata: { name },
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [
              { name: 'main', image: 'tools:1', command: ['sleep', '30'] },
            ],
          },
        },
      },
    });
    const podsOf = (name: string) =>
      cluster.store
        .list('/pods', 'default')
        .filter(p => p.metadata.labels?.['job-name'] === name);
    try {
      for (const name of ['bg', 'fg'])
        cluster.create(jobs, 'default', job(name), { manager: 'test' });
      await waitFor(
        () => podsOf('bg').length === 1 && podsOf('fg').length === 1,
      );

      cluster.delete(jobs, 'default', 'bg', {
        propagationPolicy: 'Background',
      });
      expect(get(cluster, 'batch', 'jobs', 'bg')).toBeUndefined();
      await waitFor(() => podsOf('bg').length === 0);

      const deleting = cluster.delete(jobs, 'default', 'fg', {
        propagationPolicy: 'Foreground',
      });
      expect(deleting.metadata.deletionTimestamp).toBeDefined();
      expect(deleting.metadata.finalizers).toEqual(['foregroundDeletion']);
      expect(get(cluster, 'batch', 'jobs', 'fg')).toBeDefined();
      await waitFor(() => get(cluster, 'batch', 'jobs', 'fg') === undefined);
      expect(podsOf('fg')).toEqual([]);

      // Two levels: a Deployment's ReplicaSets and their pods go first.
      cluster.create(
        deployments,
        'default',
        {
          metadata: { name: 'web' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [{ name: 'web', image: 'web:1' }] },
            },
          },
        },
        { manager: 'test' },
      );
      await waitFor(
        () =>
          get(cluster, 'apps', 'deployments', 'web')?.status?.readyReplicas ===
          2,
      );
      cluster.delete(deployments, 'default', 'web', {
        propagationPolicy: 'Foreground',
      });
      await waitFor(
        () => get(cluster, 'apps', 'deployments', 'web') === undefined,
      );
      expect(cluster.store.list('apps/replicasets', 'default')).toEqual([]);
      expect(
        cluster.store
          .list('/pods', 'default')
          .filter(p => p.metadata.labels?.app === 'web'),
      ).toEqual([]);
    } finally {
      stop();
      cluster.stop();
    }
  });

  it('deletes a finished Job after ttlSecondsAfterFinished', async () => {
    const { cluster, stop } = setup();
    try {
      cluster.create(
        cluster.registry.get('batch', 'jobs')!,
        'default',
        {
          metadata: { name: 'once' },
          spec: {
            ttlSecondsAfterFinished: 1,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'main', image: 'tools:1' }],
              },
            },
          },
        },
        { manager: 'test' },
      );
      await waitFor(() =>
        events(cluster, 'once').some(e => e.reason === 'Completed'),
      );
      expect(get(cluster, 'batch', 'jobs', 'once')?.status?.succeeded).toBe(1);
      await waitFor(() => get(cluster, 'batch', 'jobs', 'once') === undefined);
      await waitFor(
        () =>
          !cluster.store
            .list('/pods', 'default')
            .some(p => p.metadata.labels?.['job-name'] === 'once'),
      );
    } finally {
      stop();
      cluster.stop();
    }
  });

  it('retries a failing image pull with back-off, counting each attempt on the same events', async () => {
    const { cluster, stop } = setup();
    try {
      cluster.create(
        cluster.registry.get('', 'pods')!,
        'default',
        {
          metadata: { name: 'broken' },
          spec: { containers: [{ name: 'main', image: 'web:fail' }] },
        },
        { manager: 'test' },
      );
      // 10 ms controllers: the back-off starts at 200 ms, then 400 ms.
      await waitFor(
        () =>
          events(cluster, 'broken').find(
            e => e.message === 'Error: ErrImagePull',
          )?.count === 3,
        10_000,
      );
      const byMessage = Object.fromEntries(
        events(cluster, 'broken').map(e => [`${e.reason}: ${e.message}`, e]),
      );
      expect(
        byMessage['BackOff: Back-off pulling image "web:fail"'],
      ).toMatchObject({
        type: 'Normal',
        count: 3,
        involvedObject: { fieldPath: 'spec.containers{main}' },
      });
      expect(
        byMessage[
          'Failed: Failed to pull image "web:fail": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/web:fail": failed to resolve reference "docker.io/library/web:fail": docker.io/library/web:fail: not found'
        ],
      ).toMatchObject({ type: 'Warning', count: 3 });
      const repeated = byMessage['Failed: Error: ErrImagePull'];
      expect(Date.parse(repeated.lastTimestamp)).toBeGreaterThanOrEqual(
        Date.parse(repeated.firstTimestamp),
      );
      expect(get(cluster, '', 'pods', 'broken')!.status.phase).toBe('Pending');
    } finally {
      stop();
      cluster.stop();
    }
  });

  it("reports the deployment and replica set controllers' events through a rollout", async () => {
    const { cluster, stop } = setup();
    const deployments = cluster.registry.get('apps', 'deployments')!;
    try {
      const template = (image: string) => ({
        metadata: { labels: { app: 'api' } },
        spec: { containers: [{ name: 'api', image }] },
      });
      cluster.create(
        deployments,
        'default',
        {
          metadata: { name: 'api' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'api' } },
            template: template('api:1'),
          },
        },
        { manager: 'test' },
      );
      await waitFor(
        () =>
          get(cluster, 'apps', 'deployments', 'api')?.status
            ?.availableReplicas === 2,
      );
      const first = cluster.store.list('apps/replicasets', 'default')[0];
      cluster.patch(
        deployments,
        'default',
        'api',
        'merge',
        { spec: { template: template('api:2') } },
        { manager: 'test' },
      );
      await waitFor(() => reasons(cluster, 'api').length === 3);
      const second = cluster.store
        .list('apps/replicasets', 'default')
        .find(rs => rs.metadata.name !== first.metadata.name)!;
      expect(events(cluster, 'api').map(e => e.message)).toEqual([
        `Scaled up replica set ${first.metadata.name} from 0 to 2`,
        `Scaled up replica set ${second.metadata.name} from 0 to 2`,
        `Scaled down replica set ${first.metadata.name} from 2 to 0`,
      ]);
      await waitFor(
        () =>
          reasons(cluster, first.metadata.name!).filter(
            r => r === 'SuccessfulDelete',
          ).length === 2,
      );
      expect(
        events(cluster, first.metadata.name!).map(e => [
          e.reason,
          e.source.component,
        ]),
      ).toEqual(
        expect.arrayContaining([
          ['SuccessfulCreate', 'replicaset-controller'],
          ['SuccessfulDelete', 'replicaset-controller'],
        ]),
      );
    } finally {
      stop();
      cluster.stop();
    }
  });

  it("rolls a StatefulSet's pods one at a time, from the highest ordinal, on a new template", async () => {
    const { cluster, stop } = setup();
    const statefulSets = cluster.registry.get('apps', 'statefulsets')!;
    try {
      const spec = (restartedAt?: string) => ({
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: {
            labels: { app: 'db' },
            ...(restartedAt
              ? {
                  annotations: {
                    'kubectl.kubernetes.io/restartedAt': restartedAt,
                  },
                }
              : {}),
          },
          spec: { containers: [{ name: 'db', image: 'postgres:16' }] },
        },
      });
      cluster.create(
        statefulSets,
        'default',
        { metadata: { name: 'db' }, spec: spec() },
        { manager: 'test' },
      );
      await waitFor(
        () =>
          get(cluster, 'apps', 'statefulsets', 'db')?.status?.readyReplicas ===
          3,
      );
      const before = get(cluster, 'apps', 'statefulsets', 'db')!.status
        .currentRevision;
      cluster.patch(
        statefulSets,
        'default',
        'db',
        'merge',
        { spec: spec('2026-01-05T09:00:00Z') },
        { manager: 'test' },
      );
      const deletions: string[] = [];
      let fewestReady = 3;
      const unsubscribe = cluster.store.subscribe('/pods', event => {
        if (event.type === 'DELETED')
          deletions.push(event.object.metadata.name!);
        const ready = cluster.store
          .list('/pods', 'default')
          .filter(p =>
            (p.status?.conditions ?? []).some(
              (c: any) => c.type === 'Ready' && c.status === 'True',
            ),
          ).length;
        fewestReady = Math.min(fewestReady, ready);
      });
      try {
        await waitFor(() => {
          const status = get(cluster, 'apps', 'statefulsets', 'db')!.status;
          return (
            status.updateRevision !== before &&
            status.currentRevision === status.updateRevision &&
            status.readyReplicas === 3
          );
        });
      } finally {
        unsubscribe();
      }
      const status = get(cluster, 'apps', 'statefulsets', 'db')!.status;
      expect(status.currentRevision).not.toBe(before);
      expect(status).toMatchObject({ updatedReplicas: 3, currentReplicas: 3 });
      expect(deletions).toEqual(['db-2', 'db-1', 'db-0']);
      expect(fewestReady).toBe(2);
      expect(reasons(cluster, 'db')).toEqual(
        expect.arrayContaining(['SuccessfulCreate', 'SuccessfulDelete']),
      );
    } finally {
      stop();
      cluster.stop();
    }
  });
});
