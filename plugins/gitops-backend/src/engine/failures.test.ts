import fs from 'node:fs';
import { TestDatabases } from '@backstage/backend-test-utils';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  spec,
  kubeSimSuite,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap, deployment } from '../__testUtils__/fixtures';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('the engine facing bad input and failures', () => {
  const suite = kubeSimSuite('engine-failures');
  const { root, cleanups } = suite;

  async function engineFor() {
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
      extraClusters: [{ name: 'down', url: 'https://127.0.0.1:1' }],
    });
    cleanups.push(cleanup);
    await engine.start();
    return engine;
  }

  it('renders and syncs a Kustomize overlay', async () => {
    const repo = new TestRepo(root, 'kustomize');
    repo.commit(
      {
        'base/kustomization.yaml': 'resources: [web.yaml, settings.yaml]\n',
        'base/web.yaml': deployment('web', 'nginx:1.27'),
        'base/settings.yaml': configMap('settings', { mode: 'fast' }),
        'overlays/prod/kustomization.yaml':
          'resources: [../../base]\nnamePrefix: prod-\ncommonLabels: {env: prod}\n',
      },
      'Kustomize',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('kust', repo.fileUrl, 'overlays/prod', { sync: 'auto' }),
    ]);
    await engine.refresh('kust');
    await waitFor(
      'the overlay to sync',
      async () =>
        (await engine.getApplication('kust')).status.sync === 'Synced',
    );
    const web = await clusterClient(suite.sim).get(
      'apps/v1',
      'Deployment',
      'prod-web',
      'kust',
    );
    expect(web.metadata.labels).toEqual({ env: 'prod' });
    // The objects from Git (live children such as ReplicaSets carry a parent).
    const fromGit = (await engine.getResources('kust')).filter(r => !r.parent);
    expect(fromGit.map(r => r.name).sort()).toEqual([
      'prod-settings',
      'prod-web',
    ]);
  });

  it('applies nothing from a malformed manifest and names file and line', async () => {
    const repo = new TestRepo(root, 'malformed');
    repo.commit(
      {
        'app/a-good.yaml': configMap('good', { a: '1' }),
        'app/b-bad.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  key: a: b\n',
      },
      'Oops',
    );
    const engine = await engineFor();
    await engine.setApplications([spec('malformed', repo.fileUrl, 'app')]);
    const app = await engine.refresh('malformed');
    expect(app.status.sync).toBe('Unknown');
    expect(app.status.message).toMatch(/app\/b-bad\.yaml:6: /);
    await engine.sync('malformed', { initiatedBy: 'user:default/ada' });
    const [run] = await waitFor('the run to end', async () => {
      const h = await engine.getHistory('malformed');
      return h[0]?.phase !== 'Running' && h;
    });
    expect(run.phase).toBe('Error');
    expect(run.message).toMatch(/app\/b-bad\.yaml:6/);
    expect(run.changes).toEqual([]);
    expect(
      await clusterClient(suite.sim).get(
        'v1',
        'ConfigMap',
        'good',
        'malformed',
      ),
    ).toBeUndefined();
  });

  it('refuses a hostile repository URL and a path out of the repository', async () => {
    const repo = new TestRepo(root, 'hostile');
    repo.commit({ 'app/cm.yaml': configMap('cm', { a: '1' }) }, 'Fine');
    fs.symlinkSync('/etc', `${repo.dir}/etc-link`);
    repo.commit({}, 'Add a symlink out');
    const engine = await engineFor();
    await engine.setApplications([
      spec('inject', '--upload-pack=touch /tmp/mooring-pwned', 'app'),
      spec('ext', 'ext::sh -c touch% /tmp/mooring-pwned', 'app'),
      spec('outside', 'file:///etc', 'app'),
      spec('dotdot', repo.fileUrl, '../../../etc'),
      spec('symlink', repo.fileUrl, 'etc-link'),
    ]);
    const message = async (id: string) =>
      (await engine.refresh(id)).status.message;
    expect(await message('inject')).toMatch(/looks like a git option/);
    expect(await message('ext')).toMatch(/transport helper/);
    expect(await message('outside')).toMatch(/not in gitops.allowedRepos/);
    expect(await message('dotdot')).toMatch(/leads outside the repository/);
    expect(await message('symlink')).toMatch(
      /symlink that leads outside the repository/,
    );
    expect(fs.existsSync('/tmp/mooring-pwned')).toBe(false);
    await expect(
      engine
        .sync('inject', { initiatedBy: 'user:default/ada' })
        .then(async () =>
          waitFor('the run to end', async () => {
            const h = await engine.getHistory('inject');
            return h[0]?.phase !== 'Running' && h[0];
          }),
        ),
    ).resolves.toMatchObject({
      phase: 'Error',
      message: expect.stringMatching(/git option/),
    });
  });

  it('degrades on a Git server that is down and recovers by itself', async () => {
    const repo = new TestRepo(root, 'moving');
    repo.commit({ 'app/cm.yaml': configMap('cm', { a: '1' }) }, 'First');
    const engine = await engineFor();
    await engine.setApplications([
      spec('moving', repo.fileUrl, 'app', { sync: 'auto' }),
    ]);
    await engine.refresh('moving');
    fs.renameSync(repo.dir, `${repo.dir}-away`);
    const down = await engine.refresh('moving');
    expect(down.status.sync).toBe('Unknown');
    expect(down.status.message).toMatch(
      /^Git: Could not list the branches of file:.*Check that the Git server is up/,
    );
    // A live change meanwhile is compared against the last render, and the
    // Git problem still stands.
    await clusterClient(suite.sim).patch({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', namespace: 'moving' },
      data: { a: 'changed by hand' },
    } as any);
    await waitFor(
      'the live change to be compared',
      async () =>
        (await engine.getApplication('moving')).status.reconciledAt !==
        down.status.reconciledAt,
    );
    const stillDown = await engine.getApplication('moving');
    expect(stillDown.status.sync).toBe('Unknown');
    expect(stillDown.status.message).toBe(down.status.message);
    fs.renameSync(`${repo.dir}-away`, repo.dir);
    // Git answers again: the hand change shows (no self-heal here), and a
    // sync puts Git's content back.
    await waitFor(
      'recovery',
      async () => (await engine.refresh('moving')).status.sync === 'OutOfSync',
    );
    await engine.sync('moving', { initiatedBy: 'user:default/ada' });
    await waitFor(
      'the sync',
      async () =>
        (await engine.getApplication('moving')).status.sync === 'Synced',
    );
  });

  it('converges while the API server fails 30% of requests', async () => {
    const repo = new TestRepo(root, 'flaky');
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++)
      files[`app/cm-${i}.yaml`] = configMap(`cm-${i}`, { i: String(i) });
    files['app/web.yaml'] = deployment('web', 'nginx:1.27');
    const head = repo.commit(files, 'Many objects');
    const engine = await engineFor();
    await engine.setApplications([
      spec('flaky', repo.fileUrl, 'app', { sync: 'auto' }),
    ]);
    suite.sim.setFaults({ failRate: 0.3 });
    const app = await waitFor(
      'convergence under faults',
      async () => {
        const a = await engine.refresh('flaky');
        if (a.status.sync !== 'Synced') {
          // Automation backs off after a failed sync; a person syncing does not wait.
          await engine
            .sync('flaky', { initiatedBy: 'user:default/ada' })
            .catch(() => undefined);
        }
        return (
          a.status.sync === 'Synced' && a.status.syncedRevision === head && a
        );
      },
      150_000,
    );
    expect(app.status.syncedRevision).toBe(head);
    suite.sim.setFaults({ failRate: 0 });
    const k8s = clusterClient(suite.sim);
    for (let i = 0; i < 8; i++) {
      expect(
        (await k8s.get('v1', 'ConfigMap', `cm-${i}`, 'flaky')).data,
      ).toEqual({ i: String(i) });
    }
  });

  it('degrades only the applications of a cluster that is down', async () => {
    const repo = new TestRepo(root, 'two-clusters');
    repo.commit({ 'app/cm.yaml': configMap('cm', { a: '1' }) }, 'First');
    const engine = await engineFor();
    const offline = spec('offline', repo.fileUrl, 'app', { sync: 'auto' });
    offline.destination.cluster = 'down';
    await engine.setApplications([
      offline,
      spec('online', repo.fileUrl, 'app', { sync: 'auto' }),
    ]);
    await engine.reconcileAll();
    const down = await engine.getApplication('offline');
    // Never compared: nothing known, and retried within seconds meanwhile.
    expect(down.status).toMatchObject({ sync: 'Unknown', health: 'Unknown' });
    expect(down.status.message).toMatch(
      /^Retrying the watch of ConfigMap on cluster down \(attempt \d+, (next in \d+ s|retrying now)\): .*cluster down/,
    );
    await waitFor(
      'the other cluster to sync',
      async () =>
        (await engine.getApplication('online')).status.sync === 'Synced',
    );
    expect(await engine.getHistory('offline')).toEqual([]);
  });
});
