import { TestDatabases } from '@backstage/backend-test-utils';
import { BatchV1Api, KubeConfig } from '@kubernetes/client-node';
import YAML from 'yaml';
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

/** A Job whose pod runs `command`; `hook` and `extra` become annotations. */
function job(
  options: {
    name?: string;
    generateName?: string;
    image?: string;
    command?: string[];
    annotations?: Record<string, string>;
  } = {},
) {
  const meta = options.name
    ? `name: ${options.name}`
    : `generateName: ${options.generateName}`;
  const annotations = Object.entries(options.annotations ?? {})
    .map(([k, v]) => `    ${k}: "${v}"`)
    .join('\n');
  return `apiVersion: batch/v1
kind: Job
metadata:
  ${meta}
${annotations ? `  annotations:\n${annotations}\n` : ''}spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: ${options.image ?? 'busybox:1.36'}
${
  options.command
    ? `          command: [${options.command.map(c => `"${c}"`).join(', ')}]\n`
    : ''
}`;
}

function annotate(manifest: string, annotations: Record<string, string>) {
  const lines = Object.entries(annotations)
    .map(([k, v]) => `    ${k}: "${v}"`)
    .join('\n');
  return manifest.replace(
    /^metadata:\n/m,
    `metadata:\n  annotations:\n${lines}\n`,
  );
}

describe('sync semantics: hooks, waves that wait, sync options', () => {
  const suite = kubeSimSuite('sync-semantics');
  let daemon: Awaited<ReturnType<typeof startGitDaemon>>;

  beforeAll(async () => {
    daemon = await startGitDaemon(suite.root);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  async function engineFor(
    extra: { waveTimeout?: string; tenancy?: unknown } = {},
  ) {
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
      ...(extra.tenancy ? { tenancy: extra.tenancy } : {}),
      sync: { waveTimeout: extra.waveTimeout ?? 'PT60S', timeout: 'PT120S' },
    });
    suite.cleanups.push(cleanup);
    return engine;
  }

  async function syncAndWait(
    engine: Awaited<ReturnType<typeof engineFor>>,
    id: string,
    options: { prune?: boolean } = {},
  ): Promise<SyncRun> {
    const started = await engine.sync(id, {
      initiatedBy: 'user:default/ada',
      ...options,
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

  it('runs a PreSync Job with generateName before the Deployment, deletes it on success, and ends Synced and Healthy', async () => {
    const repo = new TestRepo(suite.root, 'migrate.git');
    repo.commit(
      {
        'deploy/migrate.yaml': job({
          generateName: 'migrate-',
          command: ['sleep', '1'],
          annotations: {
            'argocd.argoproj.io/hook': 'PreSync',
            'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
          },
        }),
        'deploy/web.yaml': deployment('web', 'nginx:1.27'),
      },
      'Release with a migration',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('migrate', daemon.url('migrate.git'), 'deploy'),
    ]);
    await engine.start();
    await engine.refresh('migrate');
    // The hook is never compared: only the Deployment is out of sync.
    expect((await engine.getDiff('migrate')).map(d => d.kind)).toEqual([
      'Deployment',
    ]);

    const run = await syncAndWait(engine, 'migrate');
    expect(run.phase).toBe('Succeeded');
    const hook = run.changes.find(c => c.hook === 'PreSync')!;
    expect(hook).toMatchObject({ kind: 'Job', action: 'succeeded' });
    expect(hook.name).toMatch(/^migrate-[a-z0-9]{5}$/);
    expect(hook.message).toMatch(/deleted: HookSucceeded/);
    // PreSync finished before the Sync phase started.
    const [pre, sync] = run.steps!;
    expect(pre).toMatchObject({ phase: 'PreSync', wave: 0 });
    expect(sync).toMatchObject({ phase: 'Sync', wave: 0 });
    expect(Date.parse(pre.finishedAt!)).toBeLessThanOrEqual(
      Date.parse(sync.startedAt),
    );
    const web = await clusterClient(suite.sim).get(
      'apps/v1',
      'Deployment',
      'web',
      'migrate',
    );
    const created = await waitFor('the hook Job to be gone', async () => {
      const jobs = await jobsIn('migrate');
      return jobs.length === 0 && jobs;
    });
    expect(created).toEqual([]);
    expect(web).toBeDefined();
    const app = await waitFor('Synced and Healthy', async () => {
      const a = await engine.refresh('migrate');
      return a.status.sync === 'Synced' && a.status.health === 'Healthy' && a;
    });
    expect(app.status.sync).toBe('Synced');
  });

  it('fails the run on a failing PreSync Job, applies nothing of the Sync phase, and runs the SyncFail hook', async () => {
    const repo = new TestRepo(suite.root, 'badmigrate.git');
    repo.commit(
      {
        'deploy/migrate.yaml': job({
          generateName: 'migrate-',
          image: 'busybox:fail',
          annotations: { 'mooring.dev/hook': 'PreSync' },
        }),
        'deploy/notify.yaml': job({
          name: 'notify-failure',
          annotations: { 'mooring.dev/hook': 'SyncFail' },
        }),
        'deploy/web.yaml': deployment('web', 'nginx:1.27'),
      },
      'Release with a failing migration',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('badmigrate', daemon.url('badmigrate.git'), 'deploy'),
    ]);
    await engine.start();
    const run = await syncAndWait(engine, 'badmigrate');
    expect(run.phase).toBe('Failed');
    expect(run.changes.find(c => c.hook === 'PreSync')).toMatchObject({
      action: 'failed',
    });
    expect(run.changes.find(c => c.kind === 'Deployment')).toBeUndefined();
    expect(run.changes.find(c => c.hook === 'SyncFail')).toMatchObject({
      name: 'notify-failure',
      action: 'succeeded',
    });
    expect(run.steps!.map(s => s.phase)).toEqual(['PreSync', 'SyncFail']);
    const kube = clusterClient(suite.sim);
    expect(
      await kube.get('apps/v1', 'Deployment', 'web', 'badmigrate'),
    ).toBeUndefined();
    expect(
      await kube.get('batch/v1', 'Job', 'notify-failure', 'badmigrate'),
    ).toBeDefined();
  });

  it('starts each wave only when the one before is Healthy', async () => {
    const repo = new TestRepo(suite.root, 'waves.git');
    repo.commit(
      {
        'deploy/db.yaml': annotate(deployment('db', 'postgres:16'), {
          'argocd.argoproj.io/sync-wave': '-1',
        }),
        'deploy/api.yaml': deployment('api', 'nginx:1.27'),
        'deploy/worker.yaml': annotate(deployment('worker', 'nginx:1.27'), {
          'mooring.dev/sync-wave': '1',
        }),
      },
      'Three waves',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('waves', daemon.url('waves.git'), 'deploy'),
    ]);
    await engine.start();
    const run = await syncAndWait(engine, 'waves');
    expect(run.phase).toBe('Succeeded');
    const steps = run.steps!;
    expect(steps.map(s => `${s.phase}/${s.wave}`)).toEqual([
      'Sync/-1',
      'Sync/0',
      'Sync/1',
    ]);
    // Each wave was Healthy before the next one started.
    for (let i = 0; i < steps.length - 1; i++) {
      expect(steps[i].healthyAt).toBeDefined();
      expect(Date.parse(steps[i].healthyAt!)).toBeLessThanOrEqual(
        Date.parse(steps[i + 1].startedAt),
      );
    }
    const kube = clusterClient(suite.sim);
    const db = await kube.get('apps/v1', 'Deployment', 'db', 'waves');
    const worker = await kube.get('apps/v1', 'Deployment', 'worker', 'waves');
    expect(Date.parse(db.metadata.creationTimestamp)).toBeLessThanOrEqual(
      Date.parse(worker.metadata.creationTimestamp),
    );
    expect(
      run.changes.find(c => c.name === 'worker' && c.kind === 'Deployment'),
    ).toMatchObject({ wave: 1, action: 'created' });
  });

  it('fails a wave whose object turns Degraded and never starts the next', async () => {
    const repo = new TestRepo(suite.root, 'degraded.git');
    repo.commit(
      {
        'deploy/db.yaml': deployment('db', 'postgres:fail'),
        'deploy/api.yaml': annotate(deployment('api', 'nginx:1.27'), {
          'mooring.dev/sync-wave': '1',
        }),
      },
      'A broken first wave',
    );
    const engine = await engineFor({ waveTimeout: 'PT20S' });
    await engine.setApplications([
      spec('degraded', daemon.url('degraded.git'), 'deploy'),
    ]);
    await engine.start();
    const run = await syncAndWait(engine, 'degraded');
    expect(run.phase).toBe('Failed');
    expect(run.message).toMatch(/Wave 0: Deployment db in namespace degraded/);
    expect(
      await clusterClient(suite.sim).get(
        'apps/v1',
        'Deployment',
        'api',
        'degraded',
      ),
    ).toBeUndefined();
  });

  it('leaves a Prune=false object in place when it leaves Git, and prunes the others', async () => {
    const repo = new TestRepo(suite.root, 'keep.git');
    repo.commit(
      {
        'deploy/keep.yaml': annotate(configMap('keep', { a: '1' }), {
          'argocd.argoproj.io/sync-options': 'Prune=false',
        }),
        'deploy/gone.yaml': configMap('gone', { a: '1' }),
        'deploy/stay.yaml': configMap('stay', { a: '1' }),
      },
      'Three ConfigMaps',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('keep', daemon.url('keep.git'), 'deploy', { prune: true }),
    ]);
    await engine.start();
    expect((await syncAndWait(engine, 'keep')).phase).toBe('Succeeded');
    repo.commit(
      { 'deploy/keep.yaml': null, 'deploy/gone.yaml': null },
      'Only one left',
    );
    await engine.refresh('keep');
    const run = await syncAndWait(engine, 'keep', { prune: true });
    expect(run.phase).toBe('Succeeded');
    expect(run.changes).toContainEqual(
      expect.objectContaining({ name: 'keep', action: 'kept' }),
    );
    expect(run.changes).toContainEqual(
      expect.objectContaining({ name: 'gone', action: 'deleted' }),
    );
    const kube = clusterClient(suite.sim);
    expect(await kube.get('v1', 'ConfigMap', 'keep', 'keep')).toBeDefined();
    expect(await kube.get('v1', 'ConfigMap', 'gone', 'keep')).toBeUndefined();
    // No longer tracked: the application is Synced, not waiting for a prune.
    const app = await engine.refresh('keep');
    expect(app.status.sync).toBe('Synced');
  });

  it('changes an immutable Job field with Replace=true, and says how when it is not set', async () => {
    const repo = new TestRepo(suite.root, 'replace.git');
    const batch = (image: string, options?: string) =>
      job({
        name: 'batch',
        image,
        annotations: options ? { 'mooring.dev/sync-options': options } : {},
      });
    repo.commit({ 'deploy/batch.yaml': batch('busybox:1.36') }, 'A Job');
    const engine = await engineFor();
    await engine.setApplications([
      spec('replace', daemon.url('replace.git'), 'deploy'),
    ]);
    await engine.start();
    expect((await syncAndWait(engine, 'replace')).phase).toBe('Succeeded');
    const kube = clusterClient(suite.sim);
    const first = await kube.get('batch/v1', 'Job', 'batch', 'replace');

    // Without Replace=true the API server refuses the change.
    repo.commit({ 'deploy/batch.yaml': batch('busybox:1.37') }, 'New image');
    await engine.refresh('replace');
    const refused = await syncAndWait(engine, 'replace');
    expect(refused.phase).toBe('Failed');
    expect(refused.message).toMatch(/immutable/);
    expect(refused.message).toMatch(/Replace=true/);

    repo.commit(
      { 'deploy/batch.yaml': batch('busybox:1.37', 'Replace=true') },
      'New image, replaced',
    );
    await engine.refresh('replace');
    const replaced = await syncAndWait(engine, 'replace');
    expect(replaced.phase).toBe('Succeeded');
    expect(replaced.changes).toContainEqual(
      expect.objectContaining({ name: 'batch', action: 'replaced' }),
    );
    const now = await kube.get('batch/v1', 'Job', 'batch', 'replace');
    expect(now.spec.template.spec.containers[0].image).toBe('busybox:1.37');
    expect(now.metadata.uid).not.toBe(first.metadata.uid);
  });

  it('syncs only the objects a selective sync names', async () => {
    const repo = new TestRepo(suite.root, 'selective.git');
    repo.commit(
      {
        'deploy/a.yaml': configMap('a', { v: '1' }),
        'deploy/b.yaml': configMap('b', { v: '1' }),
      },
      'Two ConfigMaps',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('selective', daemon.url('selective.git'), 'deploy'),
    ]);
    await engine.start();
    const started = await engine.sync('selective', {
      initiatedBy: 'user:default/ada',
      resources: [{ kind: 'ConfigMap', name: 'a', namespace: 'selective' }],
    });
    const [run] = await waitFor('the selective sync', async () => {
      const found = (await engine.getHistory('selective')).find(
        r => r.id === started.id,
      );
      return found && found.phase !== 'Running' && [found];
    });
    expect(run.phase).toBe('Succeeded');
    expect(run.changes.map(c => c.name)).toEqual(['a']);
    const kube = clusterClient(suite.sim);
    expect(await kube.get('v1', 'ConfigMap', 'a', 'selective')).toBeDefined();
    expect(await kube.get('v1', 'ConfigMap', 'b', 'selective')).toBeUndefined();
    const app = await engine.refresh('selective');
    expect(app.status.sync).toBe('OutOfSync');
  });

  it('runs PostSync hooks once everything is Healthy, and Helm hooks as PreSync hooks (test hooks dropped)', async () => {
    const repo = new TestRepo(suite.root, 'helmhooks.git');
    repo.commit(
      {
        'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
        'chart/templates/web.yaml': deployment('web', 'nginx:1.27'),
        'chart/templates/migrate.yaml': job({
          name: 'migrate',
          annotations: {
            'helm.sh/hook': 'pre-install,pre-upgrade',
            'helm.sh/hook-weight': '-5',
            'helm.sh/hook-delete-policy': 'before-hook-creation',
          },
        }),
        'chart/templates/smoke.yaml': job({
          name: 'smoke',
          annotations: { 'argocd.argoproj.io/hook': 'PostSync' },
        }),
        'chart/templates/test.yaml': job({
          name: 'helm-test',
          annotations: { 'helm.sh/hook': 'test' },
        }),
      },
      'A chart with hooks',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('helmhooks', daemon.url('helmhooks.git'), 'chart'),
    ]);
    await engine.start();
    const run = await syncAndWait(engine, 'helmhooks');
    expect(run.phase).toBe('Succeeded');
    expect(run.steps!.map(s => `${s.phase}/${s.wave}`)).toEqual([
      'PreSync/-5',
      'Sync/0',
      'PostSync/0',
    ]);
    // Sync waited for every object to be Healthy before PostSync.
    expect(run.steps![1].healthyAt).toBeDefined();
    expect(
      run.changes
        .filter(c => c.hook)
        .map(c => `${c.hook}/${c.name}/${c.action}`),
    ).toEqual(['PreSync/migrate/succeeded', 'PostSync/smoke/succeeded']);
    const kube = clusterClient(suite.sim);
    expect(
      await kube.get('batch/v1', 'Job', 'helm-test', 'helmhooks'),
    ).toBeUndefined();
    const firstMigrate = await kube.get(
      'batch/v1',
      'Job',
      'migrate',
      'helmhooks',
    );
    expect(firstMigrate).toBeDefined();
    // The next sync creates the named hook afresh (BeforeHookCreation).
    const again = await syncAndWait(engine, 'helmhooks');
    expect(again.phase).toBe('Succeeded');
    const secondMigrate = await kube.get(
      'batch/v1',
      'Job',
      'migrate',
      'helmhooks',
    );
    expect(secondMigrate.metadata.uid).not.toBe(firstMigrate.metadata.uid);
    // Hooks never make the application OutOfSync.
    const app = await waitFor('Synced', async () => {
      const a = await engine.refresh('helmhooks');
      return a.status.sync === 'Synced' && a;
    });
    expect(app.status.sync).toBe('Synced');
  });

  it('re-creates a Force=true object when the server refuses its change, and applies a CRD and its custom resource in one sync', async () => {
    const repo = new TestRepo(suite.root, 'force.git');
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`;
    const widget = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: gear
  annotations:
    argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true
spec: {size: 3}
`;
    const forced = (image: string) =>
      job({
        name: 'forced',
        image,
        annotations: { 'mooring.dev/sync-options': 'Force=true' },
      });
    repo.commit(
      {
        'deploy/crd.yaml': crd,
        'deploy/widget.yaml': widget,
        'deploy/forced.yaml': forced('busybox:1.36'),
      },
      'A CRD, its resource, a forced ConfigMap',
    );
    // The platform lets this owner install CRDs.
    const engine = await engineFor({
      tenancy: {
        rules: [
          {
            owners: ['group:default/platform'],
            clusters: ['dev'],
            namespaces: ['force'],
            clusterResources: ['apiextensions.k8s.io/CustomResourceDefinition'],
          },
        ],
      },
    });
    await engine.setApplications([
      spec('force', daemon.url('force.git'), 'deploy', {
        owner: 'group:default/platform',
      }),
    ]);
    await engine.start();
    const first = await syncAndWait(engine, 'force');
    expect(first.phase).toBe('Succeeded');
    const kube = clusterClient(suite.sim);
    expect(
      await kube.get('example.com/v1', 'Widget', 'gear', 'force'),
    ).toBeDefined();
    const before = await kube.get('batch/v1', 'Job', 'forced', 'force');
    repo.commit({ 'deploy/forced.yaml': forced('busybox:1.37') }, 'Change it');
    await engine.refresh('force');
    const second = await syncAndWait(engine, 'force');
    expect(second.phase).toBe('Succeeded');
    expect(second.changes).toContainEqual(
      expect.objectContaining({ name: 'forced', action: 'replaced' }),
    );
    const after = await kube.get('batch/v1', 'Job', 'forced', 'force');
    expect(after.spec.template.spec.containers[0].image).toBe('busybox:1.37');
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
  });

  it('keeps Delete=false objects when the application is removed with prune-on-remove', async () => {
    const repo = new TestRepo(suite.root, 'retain.git');
    repo.commit(
      {
        'deploy/data.yaml': annotate(configMap('data', { v: '1' }), {
          'argocd.argoproj.io/sync-options': 'Delete=false',
        }),
        'deploy/web.yaml': configMap('web', { v: '1' }),
      },
      'Two ConfigMaps',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('retain', daemon.url('retain.git'), 'deploy', {
        pruneOnRemove: true,
      }),
    ]);
    await engine.start();
    expect((await syncAndWait(engine, 'retain')).phase).toBe('Succeeded');
    await engine.setApplications([]);
    const kube = clusterClient(suite.sim);
    await waitFor('web to be deleted', async () =>
      (await kube.get('v1', 'ConfigMap', 'web', 'retain')) ? undefined : true,
    );
    expect(await kube.get('v1', 'ConfigMap', 'data', 'retain')).toBeDefined();
  });

  it("never deletes an object that is not the application's to run a named hook of that name", async () => {
    const kube = clusterClient(suite.sim);
    await kube.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'collide' },
    } as any);
    // Someone else's Job of the hook's name.
    await kube.create(
      YAML.parse(
        job({ name: 'migrate' }).replace(
          'metadata:\n',
          'metadata:\n  namespace: collide\n',
        ),
      ),
    );
    const theirs = await kube.get('batch/v1', 'Job', 'migrate', 'collide');
    const repo = new TestRepo(suite.root, 'collide.git');
    repo.commit(
      {
        'deploy/migrate.yaml': job({
          name: 'migrate',
          annotations: { 'mooring.dev/hook': 'PreSync' },
        }),
        'deploy/web.yaml': configMap('web', { v: '1' }),
      },
      'A hook with a taken name',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('collide', daemon.url('collide.git'), 'deploy'),
    ]);
    await engine.start();
    const run = await syncAndWait(engine, 'collide');
    expect(run.phase).toBe('Failed');
    expect(run.message).toMatch(/not a hook of this application/);
    const still = await kube.get('batch/v1', 'Job', 'migrate', 'collide');
    expect(still.metadata.uid).toBe(theirs.metadata.uid);
    expect(await kube.get('v1', 'ConfigMap', 'web', 'collide')).toBeUndefined();
  });

  it('records a hook that timed out as failed and deletes it', async () => {
    const repo = new TestRepo(suite.root, 'slowhook.git');
    repo.commit(
      {
        'deploy/migrate.yaml': job({
          generateName: 'migrate-',
          annotations: { 'mooring.dev/hook': 'PreSync' },
        }).replace(
          'spec:\n  backoffLimit: 0',
          'spec:\n  suspend: true\n  backoffLimit: 0',
        ),
        'deploy/web.yaml': configMap('web', { v: '1' }),
      },
      'A hook that never finishes',
    );
    const engine = await engineFor({ waveTimeout: 'PT3S' });
    await engine.setApplications([
      spec('slowhook', daemon.url('slowhook.git'), 'deploy'),
    ]);
    await engine.start();
    const run = await syncAndWait(engine, 'slowhook');
    expect(run.phase).toBe('Failed');
    const hook = run.changes.find(c => c.hook === 'PreSync')!;
    expect(hook).toMatchObject({ action: 'failed' });
    expect(hook.message).toMatch(
      /gitops.sync.waveTimeout.*the hook was deleted/,
    );
    await waitFor('the hook to be gone', async () =>
      (await jobsIn('slowhook')).length === 0 ? true : undefined,
    );
    expect(
      await clusterClient(suite.sim).get('v1', 'ConfigMap', 'web', 'slowhook'),
    ).toBeUndefined();
  });

  it('does not count an IgnoreExtraneous object that left Git as OutOfSync', async () => {
    const repo = new TestRepo(suite.root, 'extraneous.git');
    repo.commit(
      {
        'deploy/a.yaml': annotate(configMap('a', { v: '1' }), {
          'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
        }),
        'deploy/b.yaml': configMap('b', { v: '1' }),
      },
      'Two ConfigMaps',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('extraneous', daemon.url('extraneous.git'), 'deploy'),
    ]);
    await engine.start();
    expect((await syncAndWait(engine, 'extraneous')).phase).toBe('Succeeded');
    const sha = repo.commit({ 'deploy/a.yaml': null }, 'a leaves Git');
    // Refresh until the new commit is the one compared (a reconcile may
    // have seen it already).
    const app = await waitFor('the commit without a compared', async () => {
      const a = await engine.refresh('extraneous');
      return a.status.targetRevision === sha && a;
    });
    const resources = await engine.getResources('extraneous');
    // Still tracked (pruned by a sync with prune), and not OutOfSync.
    expect(resources.find(r => r.name === 'a')).toMatchObject({
      sync: 'Synced',
    });
    expect(app.status.sync).toBe('Synced');
    const pruned = await syncAndWait(engine, 'extraneous', { prune: true });
    expect(pruned.changes).toContainEqual(
      expect.objectContaining({ name: 'a', action: 'deleted' }),
    );
  });

  it('admits a custom resource of a kind not served yet with SkipDryRunOnMissingResource, once its CRD appears, and only as namespaced', async () => {
    const crd = (scope: string, plural: string, kind: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.late.example.com` },
      spec: {
        group: 'late.example.com',
        scope,
        names: { plural, singular: kind.toLowerCase(), kind },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                'x-kubernetes-preserve-unknown-fields': true,
              },
            },
          },
        ],
      },
    });
    const resource = (
      kind: string,
      option: boolean,
    ) => `apiVersion: late.example.com/v1
kind: ${kind}
metadata:
  name: one
${
  option
    ? '  annotations:\n    mooring.dev/sync-options: SkipDryRunOnMissingResource=true\n'
    : ''
}spec: {size: 1}
`;
    const repo = new TestRepo(suite.root, 'late.git');
    repo.commit(
      { 'deploy/gadget.yaml': resource('Gadget', false) },
      'Without the option',
    );
    const engine = await engineFor({ waveTimeout: 'PT20S' });
    await engine.setApplications([
      spec('late', daemon.url('late.git'), 'deploy'),
    ]);
    await engine.start();
    const refused = await syncAndWait(engine, 'late');
    expect(refused.phase).toBe('Failed');
    expect(refused.message).toMatch(/does not serve/);

    repo.commit(
      { 'deploy/gadget.yaml': resource('Gadget', true) },
      'With the option',
    );
    await engine.refresh('late');
    const kube = clusterClient(suite.sim);
    const started = await engine.sync('late', {
      initiatedBy: 'user:default/ada',
    });
    // A controller installs the CRD while the sync waits.
    await new Promise(resolve => setTimeout(resolve, 1000));
    await kube.create(crd('Namespaced', 'gadgets', 'Gadget') as any);
    const [run] = await waitFor('the sync', async () => {
      const found = (await engine.getHistory('late')).find(
        r => r.id === started.id,
      );
      return found && found.phase !== 'Running' && [found];
    });
    expect(run.phase).toBe('Succeeded');
    expect(
      await kube.get('late.example.com/v1', 'Gadget', 'one', 'late'),
    ).toBeDefined();

    // A kind that turns out cluster-scoped is refused when it is applied.
    repo.commit(
      { 'deploy/realm.yaml': resource('Realm', true) },
      'A cluster-scoped kind in disguise',
    );
    await engine.refresh('late');
    const second = await engine.sync('late', {
      initiatedBy: 'user:default/ada',
    });
    await new Promise(resolve => setTimeout(resolve, 1000));
    await kube.create(crd('Cluster', 'realms', 'Realm') as any);
    const [disguised] = await waitFor('the second sync', async () => {
      const found = (await engine.getHistory('late')).find(
        r => r.id === second.id,
      );
      return found && found.phase !== 'Running' && [found];
    });
    expect(disguised.phase).toBe('Failed');
    expect(disguised.message).toMatch(/turned out cluster-scoped/);
    expect(
      await kube.get('late.example.com/v1', 'Realm', 'one'),
    ).toBeUndefined();
  });

  it("creates the application's own Namespace before the PreSync hooks that live in it", async () => {
    const repo = new TestRepo(suite.root, 'ownns.git');
    repo.commit(
      {
        'deploy/namespace.yaml':
          'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ownns\n',
        'deploy/migrate.yaml': job({
          generateName: 'migrate-',
          annotations: { 'argocd.argoproj.io/hook': 'PreSync' },
        }),
        'deploy/web.yaml': configMap('web', { v: '1' }),
      },
      'A namespace of its own and a PreSync hook in it',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('ownns', daemon.url('ownns.git'), 'deploy'),
    ]);
    await engine.start();
    const run = await syncAndWait(engine, 'ownns');
    expect(run.phase).toBe('Succeeded');
    expect(run.steps!.map(s => s.phase)).toEqual(['Sync', 'PreSync', 'Sync']);
    expect(run.changes.find(c => c.hook === 'PreSync')).toMatchObject({
      action: 'succeeded',
    });
  });

  it('refuses a manifest with an unknown hook phase or sync option before anything is applied', async () => {
    const repo = new TestRepo(suite.root, 'typo.git');
    repo.commit(
      {
        'deploy/a.yaml': annotate(configMap('a', { v: '1' }), {
          'mooring.dev/sync-options': 'Prune=flase',
        }),
      },
      'A typo',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('typo', daemon.url('typo.git'), 'deploy'),
    ]);
    await engine.start();
    const run = await syncAndWait(engine, 'typo');
    expect(run.phase).not.toBe('Succeeded');
    expect(run.message).toMatch(
      /ConfigMap a has mooring.dev\/sync-options "Prune=flase"/,
    );
    expect(
      await clusterClient(suite.sim).get('v1', 'ConfigMap', 'a', 'typo'),
    ).toBeUndefined();
  });
});
