import { TestDatabases } from '@backstage/backend-test-utils';
import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '@mooring/plugin-gitops-common';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { deployment } from '../__testUtils__/fixtures';
import type { DefaultGitopsEngine } from './DefaultGitopsEngine';
import type { ApplicationSpec, IgnoreDifferenceRule } from './types';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** The manager an HPA's writes carry, as the controller manager makes them. */
const CONTROLLER = 'kube-controller-manager';

describe('ignore rules: a field another controller owns (an HPA scaling a Deployment)', () => {
  const suite = kubeSimSuite('engine-ignore');
  const k8s = () => clusterClient(suite.sim);

  async function engineFor(
    ignoreDifferences?: IgnoreDifferenceRule[],
  ): Promise<DefaultGitopsEngine> {
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
      ...(ignoreDifferences ? { gitops: { ignoreDifferences } } : {}),
    });
    suite.cleanups.push(cleanup);
    return engine;
  }

  /** What an HPA does: sets the Deployment's replicas through the scale subresource. */
  async function scaleLikeAnHpa(name: string, namespace: string, n: number) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(suite.sim.kubeconfig());
    await kubeConfig.makeApiClient(AppsV1Api).replaceNamespacedDeploymentScale({
      name,
      namespace,
      fieldManager: CONTROLLER,
      body: {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name, namespace },
        spec: { replicas: n },
      },
    });
  }

  /** Server-side apply of replicas alone by the controller manager. */
  async function applyReplicas(name: string, namespace: string, n: number) {
    await k8s().patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace },
        spec: { replicas: n },
      } as any,
      CONTROLLER,
    );
  }

  async function liveWeb(namespace: string) {
    return k8s().get('apps/v1', 'Deployment', 'web', namespace);
  }

  /** The managers that own `spec.replicas` of the live Deployment. */
  async function replicaOwners(namespace: string): Promise<string[]> {
    const live = await liveWeb(namespace);
    return (live.metadata.managedFields ?? [])
      .filter((entry: any) => entry.fieldsV1?.['f:spec']?.['f:replicas'])
      .map((entry: any) => entry.manager);
  }

  /** Deploys web with 2 replicas in Git, auto-sync and self-heal on, and waits for it. */
  async function deployWeb(
    engine: DefaultGitopsEngine,
    id: string,
    extra: Partial<ApplicationSpec> = {},
  ) {
    const repo = new TestRepo(suite.root, id);
    repo.commit({ 'app/web.yaml': deployment('web', 'nginx:1.27', 2) }, 'Web');
    const app = {
      ...spec(id, repo.fileUrl, 'app', {
        sync: 'auto',
        selfHeal: true,
      }),
      ...extra,
    };
    await engine.setApplications([app]);
    await engine.start();
    await engine.refresh(id);
    await waitFor('web synced with 2 replicas available', async () => {
      const resources = await engine.getResources(id);
      const web = resources.find(r => r.kind === 'Deployment');
      return (
        (await engine.getApplication(id)).status.sync === 'Synced' &&
        web?.healthMessage === '2 of 2 replicas available'
      );
    });
    expect((await liveWeb(id)).spec.replicas).toBe(2);
    expect(await replicaOwners(id)).toEqual([FIELD_MANAGER]);
    return { repo, app };
  }

  /**
   * Waits until the engine has compared the scaled Deployment (its health
   * says so), then checks it neither counts the replicas as drift nor heals
   * them, through a refresh and a sync of its own.
   */
  async function expectReplicasLeftAlone(
    engine: DefaultGitopsEngine,
    id: string,
    repo: TestRepo,
  ) {
    await waitFor('the engine to see 5 replicas', async () => {
      const resources = await engine.getResources(id);
      const web = resources.find(r => r.kind === 'Deployment');
      return web?.healthMessage === '5 of 5 replicas available';
    });
    const check = async () => {
      const app = await engine.getApplication(id);
      expect(app.status.sync).toBe('Synced');
      expect(await engine.getDiff(id)).toEqual([]);
      expect((await liveWeb(id)).spec.replicas).toBe(5);
      const history = await engine.getHistory(id);
      expect(history.filter(r => r.initiatedBy === 'self-heal')).toEqual([]);
    };
    await check();
    await engine.refresh(id);
    await check();

    // A sync of its own leaves the replicas to the controller.
    const run = await engine.sync(id, { initiatedBy: 'user:default/ada' });
    const done = await waitFor('the sync to finish', async () => {
      const [last] = await engine.getHistory(id);
      return last?.id === run.id && last.phase !== 'Running' && last;
    });
    expect(done.phase).toBe('Succeeded');
    await check();
    expect(await replicaOwners(id)).toEqual([CONTROLLER]);

    // So does a new commit, which is applied (the new image) all the same.
    repo.commit(
      { 'app/web.yaml': deployment('web', 'nginx:1.28', 2) },
      'New image',
    );
    await engine.refresh(id);
    await waitFor('the new image applied', async () => {
      const live = await liveWeb(id);
      return live.spec.template.spec.containers[0].image === 'nginx:1.28';
    });
    await waitFor(
      'Synced at the new commit',
      async () => (await engine.getApplication(id)).status.sync === 'Synced',
    );
    await check();
  }

  it("with the component's rule /spec/replicas, stays Synced and leaves the HPA's replicas", async () => {
    const engine = await engineFor();
    const { repo } = await deployWeb(engine, 'hpa-pointer', {
      ignoreDifferences: [
        { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
      ],
    });
    await scaleLikeAnHpa('web', 'hpa-pointer', 5);
    expect(await replicaOwners('hpa-pointer')).toEqual([CONTROLLER]);
    await expectReplicasLeftAlone(engine, 'hpa-pointer', repo);
  });

  it('with gitops.ignoreDifferences trusting kube-controller-manager, the same', async () => {
    const engine = await engineFor([
      { kind: '*', managedFieldsManagers: [CONTROLLER] },
    ]);
    const { repo } = await deployWeb(engine, 'hpa-managers');
    // This time by server-side apply of the field alone.
    await applyReplicas('web', 'hpa-managers', 5);
    expect(await replicaOwners('hpa-managers')).toEqual([CONTROLLER]);
    await expectReplicasLeftAlone(engine, 'hpa-managers', repo);
  });

  it('a rule added later keeps the replicas Mooring applied, rather than letting the server drop them to 1', async () => {
    const engine = await engineFor();
    const { repo, app } = await deployWeb(engine, 'hpa-later');
    await engine.setApplications([
      {
        ...app,
        ignoreDifferences: [
          { kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
        ],
      },
    ]);
    repo.commit(
      { 'app/web.yaml': deployment('web', 'nginx:1.28', 3) },
      'New image, 3 replicas',
    );
    await engine.refresh('hpa-later');
    await waitFor('the new image applied and Synced', async () => {
      const live = await liveWeb('hpa-later');
      return (
        live.spec.template.spec.containers[0].image === 'nginx:1.28' &&
        (await engine.getApplication('hpa-later')).status.sync === 'Synced' &&
        live
      );
    });
    expect((await liveWeb('hpa-later')).spec.replicas).toBe(2);
    expect(await replicaOwners('hpa-later')).toEqual([FIELD_MANAGER]);
  });

  it('without a rule, the change is drift, and self-heal sets Git’s replicas back', async () => {
    const engine = await engineFor([
      // A rule about something else changes nothing for the Deployment.
      { group: '', kind: 'ConfigMap', jsonPointers: ['/data'] },
    ]);
    const { app } = await deployWeb(engine, 'hpa-none', {
      policy: { sync: 'auto', prune: false, selfHeal: false },
    });
    await scaleLikeAnHpa('web', 'hpa-none', 5);
    await waitFor(
      'OutOfSync',
      async () =>
        (await engine.getApplication('hpa-none')).status.sync === 'OutOfSync',
    );
    const [diff] = await engine.getDiff('hpa-none');
    expect(diff).toMatchObject({ kind: 'Deployment', name: 'web' });
    expect(diff.diff).toContain('-  replicas: 5');
    expect(diff.diff).toContain('+  replicas: 2');

    await engine.setApplications([
      { ...app, policy: { ...app.policy, selfHeal: true } },
    ]);
    await engine.refresh('hpa-none');
    await waitFor('self-heal to set replicas back to 2', async () => {
      const history = await engine.getHistory('hpa-none');
      return (
        history.some(
          r => r.initiatedBy === 'self-heal' && r.phase === 'Succeeded',
        ) && (await liveWeb('hpa-none')).spec.replicas === 2
      );
    });
    expect(await replicaOwners('hpa-none')).toEqual([FIELD_MANAGER]);
  });
});
