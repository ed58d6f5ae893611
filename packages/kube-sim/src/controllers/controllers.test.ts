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
});
