import fs from 'node:fs';
import { TestDatabases } from '@backstage/backend-test-utils';
import {
  ANNOTATION_TRACKING_ID,
  FIELD_MANAGER,
} from '@mooring/plugin-gitops-common';
import { TestRepo, startGitDaemon, tempDir } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  spec,
  startKubeSim,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap, deployment, secret } from '../__testUtils__/fixtures';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('DefaultGitopsEngine against kube-sim', () => {
  let sim: Awaited<ReturnType<typeof startKubeSim>>;
  let daemon: Awaited<ReturnType<typeof startGitDaemon>>;
  const root = tempDir('engine-repos');
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    sim = await startKubeSim({ controllers: true });
    daemon = await startGitDaemon(root);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => {
    await sim.stop();
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function engineFor() {
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({ sim, database });
    cleanups.push(cleanup);
    return engine;
  }

  it('syncs, follows a new commit, prunes and records history (over git://)', async () => {
    const repo = new TestRepo(root, 'shop.git');
    repo.commit(
      {
        'deploy/settings.yaml': configMap('settings', { mode: 'fast' }),
        'deploy/web.yaml': deployment('web', 'nginx:1.27'),
        'deploy/db.yaml': secret('db', { password: 'hunter2' }),
        'deploy/extra.yaml': configMap('extra', { a: '1' }),
      },
      'First release',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('shop', daemon.url('shop.git'), 'deploy'),
    ]);
    await engine.start();

    let app = await engine.refresh('shop');
    expect(app.status).toMatchObject({ sync: 'OutOfSync', health: 'Missing' });
    const preview = await engine.getDiff('shop');
    expect(preview.map(d => `${d.kind}/${d.name}`).sort()).toEqual([
      'ConfigMap/extra',
      'ConfigMap/settings',
      'Deployment/web',
      'Secret/db',
    ]);
    expect(JSON.stringify(preview)).not.toMatch(/hunter2|aHVudGVyMg/);

    const run = await engine.sync('shop', { initiatedBy: 'user:default/ada' });
    expect(run.phase).toBe('Running');
    const [done] = await waitFor('the first sync to finish', async () => {
      const history = await engine.getHistory('shop');
      return history[0]?.phase !== 'Running' && history;
    });
    expect(done).toMatchObject({
      id: run.id,
      phase: 'Succeeded',
      initiatedBy: 'user:default/ada',
      commit: {
        author: 'Ada Lovelace <ada@example.com>',
        message: 'First release',
      },
      message: '4 created',
    });
    expect(done.changes).toContainEqual({
      kind: 'Secret',
      namespace: 'shop',
      name: 'db',
      action: 'created',
    });

    const k8s = clusterClient(sim);
    const web = await k8s.get('apps/v1', 'Deployment', 'web', 'shop');
    expect(web.metadata.annotations[ANNOTATION_TRACKING_ID]).toBe(
      'shop:apps/Deployment:shop/web',
    );
    expect(web.metadata.managedFields.map((f: any) => f.manager)).toContain(
      FIELD_MANAGER,
    );
    app = await waitFor('Synced and Healthy', async () => {
      const a = await engine.refresh('shop');
      return a.status.sync === 'Synced' && a.status.health === 'Healthy' && a;
    });
    expect(app.status.syncedRevision).toBe(done.commit.sha);

    // The resource tree: the Deployment's live ReplicaSet and Pods, from the watch cache.
    const tree = await waitFor('the live ReplicaSet and Pods', async () => {
      const resources = await engine.getResources('shop');
      return resources.some(r => r.kind === 'Pod') && resources;
    });
    const replicaSet = tree.find(r => r.kind === 'ReplicaSet');
    expect(replicaSet).toMatchObject({
      namespace: 'shop',
      sync: 'Synced',
      parent: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    });
    expect(
      tree.filter(r => r.kind === 'Pod').map(p => p.parent?.name),
    ).toContain(replicaSet!.name);
    expect(
      tree
        .filter(r => !r.parent)
        .map(r => r.kind)
        .sort(),
    ).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'Secret']);

    // A no-op sync changes nothing.
    await engine.sync('shop', { initiatedBy: 'user:default/ada' });
    const [noop] = await waitFor('the no-op sync', async () => {
      const h = await engine.getHistory('shop');
      return h.length === 2 && h[0].phase !== 'Running' && h;
    });
    expect(noop.message).toBe('4 unchanged');

    // A new commit changes one object and drops two; one of them was taken over by hand.
    const second = repo.commit(
      {
        'deploy/settings.yaml': configMap('settings', { mode: 'slow' }),
        'deploy/db.yaml': null,
        'deploy/extra.yaml': null,
      },
      'Slow down',
    );
    const extra = await k8s.get('v1', 'ConfigMap', 'extra', 'shop');
    delete extra.metadata.annotations[ANNOTATION_TRACKING_ID];
    delete extra.metadata.managedFields;
    await k8s.replace(extra);

    app = await engine.refresh('shop');
    expect(app.status).toMatchObject({
      sync: 'OutOfSync',
      targetRevision: second,
    });
    const diffs = await engine.getDiff('shop');
    const settingsDiff = diffs.find(d => d.name === 'settings')!;
    expect(settingsDiff.diff).toContain('-  mode: fast');
    expect(settingsDiff.diff).toContain('+  mode: slow');
    expect(diffs.find(d => d.name === 'db')?.diff).toContain('-kind: Secret');
    expect(JSON.stringify(diffs)).not.toMatch(/hunter2|aHVudGVyMg/);

    await engine.sync('shop', { initiatedBy: 'user:default/ada', prune: true });
    const [third] = await waitFor('the pruning sync', async () => {
      const h = await engine.getHistory('shop');
      return h.length === 3 && h[0].phase !== 'Running' && h;
    });
    expect(third.phase).toBe('Succeeded');
    expect(third.commit.sha).toBe(second);
    expect(third.changes).toEqual(
      expect.arrayContaining([
        {
          kind: 'ConfigMap',
          namespace: 'shop',
          name: 'settings',
          action: 'configured',
        },
        {
          kind: 'Deployment',
          namespace: 'shop',
          name: 'web',
          action: 'unchanged',
        },
        { kind: 'Secret', namespace: 'shop', name: 'db', action: 'deleted' },
      ]),
    );
    expect(third.changes.find(c => c.name === 'extra')).toBeUndefined();
    expect(await k8s.get('v1', 'Secret', 'db', 'shop')).toBeUndefined();
    expect(await k8s.get('v1', 'ConfigMap', 'extra', 'shop')).toBeDefined();
    expect((await k8s.get('v1', 'ConfigMap', 'settings', 'shop')).data).toEqual(
      { mode: 'slow' },
    );
  });

  it('shows live drift within moments with Secret values masked, then self-heals', async () => {
    const repo = new TestRepo(root, 'drift');
    repo.commit(
      {
        'app/settings.yaml': configMap('settings', { mode: 'fast' }),
        'app/db.yaml': secret('db', { password: 'hunter2' }),
      },
      'Initial',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('drift', repo.fileUrl, 'app', { sync: 'auto' }),
    ]);
    await engine.start();
    await engine.refresh('drift');
    await waitFor(
      'the auto sync',
      async () =>
        (await engine.getApplication('drift')).status.sync === 'Synced',
    );
    const history = await engine.getHistory('drift');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      initiatedBy: 'auto',
      phase: 'Succeeded',
    });

    // Someone edits the Secret by hand: the watch notices without a refresh.
    const k8s = clusterClient(sim);
    await k8s.patch({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'drift' },
      data: { password: Buffer.from('letmein').toString('base64') },
    } as any);
    await waitFor(
      'drift to show',
      async () =>
        (await engine.getApplication('drift')).status.sync === 'OutOfSync',
    );
    const diffs = await engine.getDiff('drift');
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatchObject({ kind: 'Secret', name: 'db' });
    expect(diffs[0].diff).toContain('-  password: ++++++++');
    expect(diffs[0].diff).toContain('+  password: ++++++++++++++++');
    expect(diffs[0].diff).not.toMatch(/letmein|hunter2|bGV0bWVpbg|aHVudGVyMg/);
    const resources = await engine.getResources('drift');
    expect(resources.find(r => r.name === 'db')).toMatchObject({
      sync: 'OutOfSync',
    });

    // With self-heal on, the edit is reverted.
    await engine.setApplications([
      spec('drift', repo.fileUrl, 'app', { sync: 'auto', selfHeal: true }),
    ]);
    await engine.refresh('drift');
    await waitFor('self-heal', async () => {
      const s = await k8s.get('v1', 'Secret', 'db', 'drift');
      return Buffer.from(s.data.password, 'base64').toString() === 'hunter2';
    });
    await k8s.patch({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'drift' },
      data: { mode: 'slow' },
    } as any);
    await waitFor(
      'self-heal of a ConfigMap edit, without a refresh',
      async () => {
        const cm = await k8s.get('v1', 'ConfigMap', 'settings', 'drift');
        return cm.data.mode === 'fast';
      },
    );
    const heals = (await engine.getHistory('drift')).filter(
      r => r.initiatedBy === 'self-heal',
    );
    expect(heals.length).toBeGreaterThanOrEqual(2);
    expect(heals[0].phase).toBe('Succeeded');
    await waitFor(
      'Synced after healing',
      async () =>
        (await engine.getApplication('drift')).status.sync === 'Synced',
    );
  });

  it('makes no API call on a no-op reconcile, and follows commits that touch other apps without a run', async () => {
    const repo = new TestRepo(root, 'mono');
    repo.commit(
      {
        'a/settings.yaml': configMap('settings', { app: 'a' }),
        'b/settings.yaml': configMap('settings', { app: 'b' }),
      },
      'Two apps',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('mono-a', repo.fileUrl, 'a', { sync: 'auto' }),
      spec('mono-b', repo.fileUrl, 'b', { sync: 'auto' }),
    ]);
    await engine.start();
    await engine.reconcileAll();
    await waitFor('both synced', async () =>
      (await engine.listApplications()).every(a => a.status.sync === 'Synced'),
    );
    const before = engine.apiRequestCount();
    await engine.reconcileAll();
    await engine.reconcileAll();
    expect(engine.apiRequestCount()).toBe(before);

    const head = repo.commit(
      { 'b/settings.yaml': configMap('settings', { app: 'b2' }) },
      'Only b',
    );
    await engine.refreshRepo(repo.fileUrl, { branch: 'main' });
    await waitFor('b to apply the commit', async () => {
      const b = await engine.getApplication('mono-b');
      return b.status.syncedRevision === head && b.status.sync === 'Synced';
    });
    const a = await engine.getApplication('mono-a');
    expect(a.status).toMatchObject({
      sync: 'Synced',
      syncedRevision: head,
      targetRevision: head,
    });
    expect(await engine.getHistory('mono-a')).toHaveLength(1);
    expect(await engine.getHistory('mono-b')).toHaveLength(2);
  });

  it('deletes the objects of a removed application that asks for it', async () => {
    const repo = new TestRepo(root, 'removed');
    repo.commit(
      { 'app/settings.yaml': configMap('settings', { a: '1' }) },
      'One',
    );
    const engine = await engineFor();
    const gone = spec('gone', repo.fileUrl, 'app', { sync: 'auto' });
    gone.policy.pruneOnRemove = true;
    const kept = spec('kept', repo.fileUrl, 'app', { sync: 'auto' });
    await engine.setApplications([gone, kept]);
    await engine.start();
    await engine.reconcileAll();
    const k8s = clusterClient(sim);
    await waitFor(
      'both applied',
      async () =>
        (await k8s.get('v1', 'ConfigMap', 'settings', 'gone')) &&
        (await k8s.get('v1', 'ConfigMap', 'settings', 'kept')),
    );
    await engine.setApplications([]);
    await waitFor(
      'the removed application to be deleted',
      async () => !(await k8s.get('v1', 'ConfigMap', 'settings', 'gone')),
    );
    expect(await k8s.get('v1', 'ConfigMap', 'settings', 'kept')).toBeDefined();
    await expect(engine.getApplication('gone')).rejects.toThrow(
      /No application with id gone/,
    );
  });

  it('rolls back to the commit of an earlier run and leaves it while Git stays put', async () => {
    const repo = new TestRepo(root, 'rollback');
    repo.commit(
      { 'app/settings.yaml': configMap('settings', { v: '1' }) },
      'v1',
    );
    const engine = await engineFor();
    await engine.setApplications([
      spec('rollback', repo.fileUrl, 'app', { sync: 'auto' }),
    ]);
    await engine.start();
    await engine.refresh('rollback');
    await waitFor(
      'v1',
      async () =>
        (await engine.getApplication('rollback')).status.sync === 'Synced',
    );
    const [first] = await engine.getHistory('rollback');
    const v2 = repo.commit(
      { 'app/settings.yaml': configMap('settings', { v: '2' }) },
      'v2',
    );
    await engine.refresh('rollback');
    await waitFor(
      'v2',
      async () =>
        (await engine.getApplication('rollback')).status.syncedRevision === v2,
    );

    await expect(
      engine.rollback('rollback', 'no-such-run', 'user:default/ada'),
    ).rejects.toThrow(/has no run no-such-run/);
    const run = await engine.rollback('rollback', first.id, 'user:default/ada');
    expect(run.phase).toBe('Running');
    const k8s = clusterClient(sim);
    await waitFor(
      'the rollback',
      async () =>
        (await k8s.get('v1', 'ConfigMap', 'settings', 'rollback')).data.v ===
        '1',
    );
    const app = await waitFor('the rollback run to end', async () => {
      const a = await engine.refresh('rollback');
      return !a.status.operation || a.status.operation.phase !== 'Running'
        ? a
        : undefined;
    });
    expect(app.status).toMatchObject({
      syncedRevision: first.commit.sha,
      targetRevision: v2,
      sync: 'OutOfSync',
    });
    // Automation does not undo the rollback (it stays pinned until resumed).
    await engine.refresh('rollback');
    expect(
      (await k8s.get('v1', 'ConfigMap', 'settings', 'rollback')).data.v,
    ).toBe('1');
    const history = await engine.getHistory('rollback');
    expect(history[0]).toMatchObject({
      initiatedBy: 'user:default/ada',
      phase: 'Succeeded',
    });
  });
});
