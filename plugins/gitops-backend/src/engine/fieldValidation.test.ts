import { TestDatabases } from '@backstage/backend-test-utils';
import { BatchV1Api, KubeConfig } from '@kubernetes/client-node';
import type { SyncRun } from '@mooring/plugin-gitops-common';
import { TestRepo, startGitDaemon } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap, deployment } from '../__testUtils__/fixtures';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** The Deployment fixture with one more line in its container. */
function deploymentWith(name: string, containerLine: string) {
  return `${deployment(name, 'nginx:1.27')}          ${containerLine}\n`;
}

const preSyncJob = `apiVersion: batch/v1
kind: Job
metadata:
  generateName: migrate-
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox:1.36
          command: ["sleep", "1"]
`;

/**
 * A manifest the API server refuses as written (a typo deep in a
 * Deployment, a value of the wrong type) fails the sync with a message that
 * names the file, the object and the field, before anything is applied:
 * kube-sim validates as a real API server does.
 */
describe('a manifest the cluster refuses as written', () => {
  const suite = kubeSimSuite('field-validation');
  let daemon: Awaited<ReturnType<typeof startGitDaemon>>;

  beforeAll(async () => {
    daemon = await startGitDaemon(suite.root);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  async function engineFor(tenancy?: unknown) {
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
      sync: { waveTimeout: 'PT60S', timeout: 'PT120S' },
      ...(tenancy ? { tenancy } : {}),
    });
    suite.cleanups.push(cleanup);
    return engine;
  }

  async function syncAndWait(
    engine: Awaited<ReturnType<typeof engineFor>>,
    id: string,
    revision?: string,
  ): Promise<SyncRun> {
    const started = await engine.sync(id, {
      initiatedBy: 'user:default/ada',
      ...(revision ? { revision } : {}),
    });
    const [run] = await waitFor(`the sync of ${id} to finish`, async () => {
      const history = await engine.getHistory(id);
      const found = history.find(r => r.id === started.id);
      return found && found.phase !== 'Running' && [found];
    });
    return run;
  }

  async function jobsIn(namespace: string) {
    const config = new KubeConfig();
    config.loadFromString(suite.sim.kubeconfig());
    const list = await config
      .makeApiClient(BatchV1Api)
      .listNamespacedJob({ namespace });
    return list.items;
  }

  it('fails a plain YAML sync naming the file and the unknown field, applies nothing and runs no hook; the fixed commit syncs', async () => {
    const repo = new TestRepo(suite.root, 'typo.git');
    repo.commit(
      {
        'deploy/config.yaml': configMap('settings', { mode: 'fast' }),
        'deploy/migrate.yaml': preSyncJob,
        'deploy/web.yaml': deploymentWith('web', 'imagePullPolcy: Always'),
      },
      'Release with a typo',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('typo', daemon.url('typo.git'), 'deploy'),
    ]);
    await engine.start();

    const run = await syncAndWait(engine, 'typo');
    expect(run.phase).toBe('Failed');
    const failed = run.changes.filter(c => c.action === 'failed');
    expect(failed).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web' }),
    ]);
    expect(failed[0].message).toMatch(/^deploy\/web\.yaml: /);
    expect(failed[0].message).toContain(
      '.spec.template.spec.containers[name="web"].imagePullPolcy: field not declared in schema',
    );
    expect(run.message).toContain('deploy/web.yaml');
    expect(run.message).toContain('imagePullPolcy');
    expect(run.message).toContain('Nothing was applied');
    // Nothing of the revision reached the cluster: not the ConfigMap beside
    // the Deployment, not the PreSync hook.
    const cluster = clusterClient(suite.sim);
    expect(
      await cluster.get('v1', 'ConfigMap', 'settings', 'typo'),
    ).toBeUndefined();
    expect(
      await cluster.get('apps/v1', 'Deployment', 'web', 'typo'),
    ).toBeUndefined();
    expect(await jobsIn('typo')).toEqual([]);
    expect(run.changes.some(c => c.hook)).toBe(false);

    const fix = repo.commit(
      {
        'deploy/web.yaml': deploymentWith('web', 'imagePullPolicy: Always'),
      },
      'Fix the typo',
    );
    const fixed = await syncAndWait(engine, 'typo', fix);
    expect(fixed.commit.sha).toBe(fix);
    expect(fixed.phase).toBe('Succeeded');
    const web = await cluster.get('apps/v1', 'Deployment', 'web', 'typo');
    expect(web.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
    expect(
      await cluster.get('v1', 'ConfigMap', 'settings', 'typo'),
    ).toBeDefined();
  });

  it('names the file and the field of a value of the wrong type', async () => {
    const repo = new TestRepo(suite.root, 'mistyped.git');
    repo.commit(
      {
        'deploy/config.yaml': configMap('settings', { mode: 'fast' }),
        'deploy/web.yaml': deployment('web', 'nginx:1.27').replace(
          'replicas: 1',
          'replicas: two',
        ),
      },
      'Release with a word for a number',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('mistyped', daemon.url('mistyped.git'), 'deploy'),
    ]);
    await engine.start();

    const run = await syncAndWait(engine, 'mistyped');
    expect(run.phase).toBe('Failed');
    const failed = run.changes.find(c => c.action === 'failed')!;
    expect(failed).toMatchObject({ kind: 'Deployment', name: 'web' });
    expect(failed.message).toMatch(/^deploy\/web\.yaml: /);
    expect(failed.message).toContain(
      '.spec.replicas: expected numeric (int or float), got string',
    );
    expect(
      await clusterClient(suite.sim).get(
        'v1',
        'ConfigMap',
        'settings',
        'mistyped',
      ),
    ).toBeUndefined();
  });

  it('leaves a custom resource whose CRD the same sync changes to its apply, after the CRD', async () => {
    const crd = (fields: string[]) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: dials.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: dials, singular: dial, kind: Dial}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
${fields.map(f => `                ${f}: {type: string}`).join('\n')}
`;
    const dial = (dialSpec: string) => `apiVersion: example.com/v1
kind: Dial
metadata:
  name: volume
spec: {${dialSpec}}
`;
    const repo = new TestRepo(suite.root, 'dials.git');
    repo.commit(
      {
        'deploy/crd.yaml': crd(['level']),
        'deploy/dial.yaml': dial('level: high'),
      },
      'A dial',
    );
    // The platform lets this owner install CRDs.
    const engine = await engineFor({
      rules: [
        {
          owners: ['group:default/platform'],
          clusters: ['dev'],
          namespaces: ['dials'],
          clusterResources: ['apiextensions.k8s.io/CustomResourceDefinition'],
        },
      ],
    });
    await engine.setApplications([
      spec('dials', daemon.url('dials.git'), 'deploy', {
        owner: 'group:default/platform',
      }),
    ]);
    await engine.start();
    expect((await syncAndWait(engine, 'dials')).phase).toBe('Succeeded');

    // The new field is declared by the CRD this very sync updates first.
    const next = repo.commit(
      {
        'deploy/crd.yaml': crd(['level', 'colour']),
        'deploy/dial.yaml': dial('level: high, colour: red'),
      },
      'A dial with a colour',
    );
    const run = await syncAndWait(engine, 'dials', next);
    expect(run.commit.sha).toBe(next);
    expect(run.phase).toBe('Succeeded');
    const live = await clusterClient(suite.sim).get(
      'example.com/v1',
      'Dial',
      'volume',
      'dials',
    );
    expect(live.spec).toEqual({ level: 'high', colour: 'red' });
  });

  it('names the object and the field of a Kustomize render, whose output has no file', async () => {
    const repo = new TestRepo(suite.root, 'kustomized.git');
    repo.commit(
      {
        'deploy/kustomization.yaml':
          'resources:\n  - config.yaml\n  - web.yaml\n',
        'deploy/config.yaml': configMap('settings', { mode: 'fast' }),
        'deploy/web.yaml': deploymentWith('web', 'imagePullPolcy: Always'),
      },
      'Kustomized release with a typo',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('kustomized', daemon.url('kustomized.git'), 'deploy'),
    ]);
    await engine.start();

    const run = await syncAndWait(engine, 'kustomized');
    expect(run.phase).toBe('Failed');
    const failed = run.changes.find(c => c.action === 'failed')!;
    expect(failed).toMatchObject({ kind: 'Deployment', name: 'web' });
    expect(failed.message).toContain('Deployment web in namespace kustomized');
    expect(failed.message).toContain(
      '.spec.template.spec.containers[name="web"].imagePullPolcy: field not declared in schema',
    );
    expect(
      await clusterClient(suite.sim).get(
        'v1',
        'ConfigMap',
        'settings',
        'kustomized',
      ),
    ).toBeUndefined();
  });
});
