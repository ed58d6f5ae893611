import * as k8s from '@kubernetes/client-node';
import { KubeSim, startKubeSim } from './kubeSim';
import { waitFor } from './testUtils';

jest.setTimeout(60_000);

/** @kubernetes/client-node, unmodified, against kube-sim. */
describe('kube-sim with @kubernetes/client-node', () => {
  let sim: KubeSim;
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    sim = await startKubeSim({ bookmarkIntervalMs: 200 });
    kc = new k8s.KubeConfig();
    kc.loadFromString(sim.kubeconfig());
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('lists objects with a label selector', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: {
        metadata: { name: 'listed', labels: { app: 'list' } },
        data: { a: '1' },
      },
    });
    const list = await core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: 'app=list',
    });
    expect(list.items.map(i => i.metadata?.name)).toEqual(['listed']);
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('applies server-side through KubernetesObjectApi, with dry runs and conflicts', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const deployment: k8s.KubernetesObject & Record<string, any> = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'default', labels: { app: 'api' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'api', image: 'api:1' }] },
        },
      },
    };
    const dry = await objects.patch(
      deployment,
      undefined,
      'All',
      'mooring',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(dry.metadata?.uid).toBeDefined();
    await expect(
      objects.read({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api', namespace: 'default' },
      }),
    ).rejects.toMatchObject({ code: 404 });

    const created = await objects.patch(
      deployment,
      undefined,
      undefined,
      'mooring',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(
      created.metadata?.managedFields?.map(m => [m.manager, m.operation]),
    ).toEqual([['mooring', 'Apply']]);
    expect((created as any).spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });

    const changed = {
      ...deployment,
      spec: { ...deployment.spec, replicas: 3 },
    };
    await expect(
      objects.patch(
        changed,
        undefined,
        undefined,
        'someone-else',
        false,
        k8s.PatchStrategy.ServerSideApply,
      ),
    ).rejects.toMatchObject({ code: 409 });
    const unchanged = await objects.patch(
      deployment,
      undefined,
      undefined,
      'mooring',
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    expect(unchanged.metadata?.resourceVersion).toBe(
      created.metadata?.resourceVersion,
    );
  });

  it('keeps an informer in sync through adds, updates, deletes and a dropped watch', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(
      kc,
      '/api/v1/namespaces/default/configmaps',
      () =>
        core.listNamespacedConfigMap({
          namespace: 'default',
          labelSelector: 'app=informed',
        }),
      'app=informed',
    );
    const seen: string[] = [];
    informer.on('add', obj => seen.push(`add ${obj.metadata?.name}`));
    informer.on('update', obj =>
      seen.push(`update ${obj.metadata?.name} ${obj.data?.v}`),
    );
    informer.on('delete', obj => seen.push(`delete ${obj.metadata?.name}`));
    informer.on('error', () => {
      setTimeout(() => informer.start(), 100);
    });
    await informer.start();
    const body = (v: string) => ({
      metadata: { name: 'watched', labels: { app: 'informed' } },
      data: { v },
    });
    await core.createNamespacedConfigMap({
      namespace: 'default',
      body: body('1'),
    });
    await waitFor(() => seen.includes('add watched'));
    await core.replaceNamespacedConfigMap({
      name: 'watched',
      namespace: 'default',
      body: body('2'),
    });
    await waitFor(() => seen.includes('update watched 2'));
    // The connection drops; the informer reconnects from its resourceVersion and misses nothing.
    expect(sim.dropWatches()).toBeGreaterThan(0);
    await core.replaceNamespacedConfigMap({
      name: 'watched',
      namespace: 'default',
      body: body('3'),
    });
    await core.deleteNamespacedConfigMap({
      name: 'watched',
      namespace: 'default',
    });
    await waitFor(() => seen.includes('delete watched'));
    expect(seen).toContain('update watched 3');
    expect(informer.list().map(o => o.metadata?.name)).toEqual([]);
    await informer.stop();
  });
});
