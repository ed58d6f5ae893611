import { TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
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

const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

/** A second connection to the same database, as another backend replica has. */
function secondConnection(knex: Knex): Knex {
  return knexFactory({
    ...(knex.client as any).config,
    pool: { min: 0, max: 5 },
  });
}

describe('several engines on one PostgreSQL', () => {
  const suite = kubeSimSuite('engine-replicas');
  const { root, cleanups } = suite;

  /** Two engines on one fresh database, each with its own connection. */
  async function twoReplicas() {
    const database = await databases.init('POSTGRES_15');
    const other = secondConnection(database);
    const a = await createTestEngine({ sim: suite.sim, database });
    const b = await createTestEngine({ sim: suite.sim, database: other });
    cleanups.push(a.cleanup, b.cleanup, () => other.destroy());
    return { database, a, b };
  }

  it('syncs each application once between two replicas', async () => {
    const repo = new TestRepo(root, 'fleet');
    const files: Record<string, string> = {};
    const ids = ['one', 'two', 'three', 'four', 'five', 'six'];
    for (const id of ids)
      files[`${id}/cm.yaml`] = configMap('settings', { app: id });
    repo.commit(files, 'Fleet');
    const { a, b } = await twoReplicas();
    const specs = ids.map(id =>
      spec(`rep-${id}`, repo.fileUrl, id, { sync: 'auto' }),
    );
    await a.engine.setApplications(specs);
    await b.engine.setApplications(specs);
    await Promise.all([a.engine.start(), b.engine.start()]);
    await Promise.all([
      a.engine.reconcileAll(),
      b.engine.reconcileAll(),
      a.engine.reconcileAll(),
      b.engine.reconcileAll(),
    ]);
    for (const { id } of specs) {
      await waitFor(`${id} synced`, async () => {
        const h = await a.engine.getHistory(id);
        return h.length > 0 && h.every(r => r.phase !== 'Running');
      });
    }
    // Once more on both: nothing left to do for either.
    await Promise.all([a.engine.reconcileAll(), b.engine.reconcileAll()]);
    for (const { id } of specs) {
      const history = await b.engine.getHistory(id);
      expect(history.map(r => `${r.initiatedBy}:${r.phase}`)).toEqual([
        'auto:Succeeded',
      ]);
      const cm = await clusterClient(suite.sim).get(
        'v1',
        'ConfigMap',
        'settings',
        id,
      );
      expect(cm.data.app).toBe(id.replace('rep-', ''));
    }
  });

  it('records one run per commit when both replicas watch the cluster', async () => {
    const repo = new TestRepo(root, 'one-change');
    const files = (version: string) => ({
      'app/settings.yaml': configMap('settings', { version }),
      'app/web.yaml': deployment('web', `nginx:1.${version}`),
    });
    let head = repo.commit(files('1'), 'v1');
    const { a, b } = await twoReplicas();
    const specs = [
      spec('one-change', repo.fileUrl, 'app', {
        sync: 'auto',
        selfHeal: true,
      }),
    ];
    await a.engine.setApplications(specs);
    await b.engine.setApplications(specs);
    await Promise.all([a.engine.start(), b.engine.start()]);

    /**
     * Both replicas synced at `head` by their own account (the one that did
     * not sync learns it by itself, without a refresh), nothing running,
     * the cluster quiet for a while (the Deployment rolled out), and both
     * looked again as their intervals would.
     */
    const settled = async () => {
      const at = head;
      for (const { engine } of [a, b]) {
        await waitFor(`both replicas at ${at.slice(0, 7)}`, async () => {
          const { status } = await engine.getApplication('one-change');
          return (
            status.sync === 'Synced' &&
            status.syncedRevision === at &&
            status.targetRevision === at &&
            status.health === 'Healthy' &&
            status.operation?.phase !== 'Running'
          );
        });
      }
      await new Promise(resolve => setTimeout(resolve, 1500));
      await Promise.all([
        a.engine.refresh('one-change'),
        b.engine.refresh('one-change'),
      ]);
      await Promise.all([a.engine.reconcileAll(), b.engine.reconcileAll()]);
      return (await a.engine.getHistory('one-change')).map(
        r => `${r.initiatedBy}:${r.phase}:${r.commit.sha.slice(0, 7)}`,
      );
    };

    // The first commit: both replicas reconcile, as their intervals would.
    await Promise.all([a.engine.reconcileAll(), b.engine.reconcileAll()]);
    const expected = [`auto:Succeeded:${head.slice(0, 7)}`];
    expect(await settled()).toEqual(expected);
    for (const version of ['2', '3', '4']) {
      head = repo.commit(files(version), `v${version}`);
      // The push reaches one replica; the other sees the live objects change.
      await a.engine.refreshRepo(repo.fileUrl, { initiatedBy: 'webhook' });
      expected.unshift(`webhook:Succeeded:${head.slice(0, 7)}`);
      expect(await settled()).toEqual(expected);
    }
    // A commit both replicas notice at once (their intervals met).
    head = repo.commit(files('5'), 'v5');
    await Promise.all([a.engine.reconcileAll(), b.engine.reconcileAll()]);
    expected.unshift(`auto:Succeeded:${head.slice(0, 7)}`);
    expect(await settled()).toEqual(expected);
  });

  it('does not heal a change of a commit it has not seen back to the older one: it syncs that commit', async () => {
    // Another replica applied part of a newer commit and failed: to this
    // replica, which has not seen that commit yet, the cluster drifted.
    const repo = new TestRepo(root, 'unseen-commit');
    const files = (version: string) => ({
      'app/settings.yaml': configMap('settings', { version }),
      'app/other.yaml': configMap('other', { version }),
    });
    const first = repo.commit(files('1'), 'v1');
    const database = await databases.init('POSTGRES_15');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
    });
    cleanups.push(cleanup);
    await engine.setApplications([
      spec('unseen', repo.fileUrl, 'app', { sync: 'auto', selfHeal: true }),
    ]);
    await engine.start();
    await engine.reconcileAll();
    await waitFor('v1 synced', async () => {
      const { status } = await engine.getApplication('unseen');
      return status.sync === 'Synced' && status.syncedRevision === first;
    });
    const second = repo.commit(files('2'), 'v2');
    // What the other replica got to before it failed: one object of v2
    // (written by another field manager here, which to this replica looks
    // the same: a live change it did not make).
    await clusterClient(suite.sim).patch(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', namespace: 'unseen' },
        data: { version: '2' },
      } as any,
      'other-replica',
    );
    await waitFor('v2 synced', async () => {
      const { status } = await engine.getApplication('unseen');
      return (
        status.syncedRevision === second &&
        status.sync === 'Synced' &&
        status.operation?.phase !== 'Running'
      );
    });
    const history = await engine.getHistory('unseen');
    expect(
      history.map(r => `${r.initiatedBy}:${r.phase}:${r.commit.sha}`),
    ).toEqual([`auto:Succeeded:${second}`, `auto:Succeeded:${first}`]);
    const other = await clusterClient(suite.sim).get(
      'v1',
      'ConfigMap',
      'other',
      'unseen',
    );
    expect(other.data.version).toBe('2');
  });

  it('never sets the synced commit back to an older one that a replica lagging behind the branch found the cluster equal to', async () => {
    const repo = new TestRepo(root, 'lagging-replica');
    const first = repo.commit(
      {
        'x/cm.yaml': configMap('settings', { app: 'x' }),
        'y/cm.yaml': configMap('settings', { app: 'y', version: '1' }),
      },
      'x and y',
    );
    const { database, a, b } = await twoReplicas();
    const specs = [
      spec('lag-x', repo.fileUrl, 'x', { sync: 'auto' }),
      spec('lag-y', repo.fileUrl, 'y', { sync: 'auto' }),
    ];
    await a.engine.setApplications(specs);
    await b.engine.setApplications(specs);
    await Promise.all([a.engine.start(), b.engine.start()]);
    // b lists the branch at the first commit (and syncs y); a syncs x.
    await b.engine.reconcile('lag-y');
    await a.engine.reconcile('lag-x');
    const synced = async (id: string) =>
      (await database('gitops_inventory').where({ application_id: id }).first())
        ?.synced_revision;
    await waitFor(
      'x synced at the first commit',
      async () => (await synced('lag-x')) === first,
    );
    // A commit that changes y only: a finds x synced at it without a run.
    const second = repo.commit(
      { 'y/cm.yaml': configMap('settings', { app: 'y', version: '2' }) },
      'y only',
    );
    await a.engine.refresh('lag-x');
    await waitFor(
      'x recorded synced at the second commit',
      async () => (await synced('lag-x')) === second,
    );
    // b still has the branch at the first commit (its listing is seconds
    // old): x equals that commit too, which must not be recorded over the
    // second.
    await b.engine.reconcile('lag-x');
    expect(await synced('lag-x')).toBe(second);
    await waitFor('b to learn of the second commit', async () => {
      const { status } = await b.engine.getApplication('lag-x');
      return status.targetRevision === second && status.sync === 'Synced';
    });
    expect(await synced('lag-x')).toBe(second);
    const history = await a.engine.getHistory('lag-x');
    expect(history.map(r => r.commit.sha)).toEqual([first]);
  });

  it('ends a run left Running by a replica that died mid-sync, then syncs again', async () => {
    const repo = new TestRepo(root, 'crash');
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++)
      files[`app/cm-${i}.yaml`] = configMap(`cm-${i}`, { i: String(i) });
    repo.commit(files, 'Twelve objects');
    const database = await databases.init('POSTGRES_15');
    const doomedConnection = secondConnection(database);
    const doomed = await createTestEngine({
      sim: suite.sim,
      database: doomedConnection,
      leaseTtlMs: 1500,
    });
    cleanups.push(doomed.cleanup);
    await doomed.engine.setApplications([spec('crash', repo.fileUrl, 'app')]);
    await doomed.engine.start();
    suite.sim.setFaults({ latencyMs: 400 });
    const run = await doomed.engine.sync('crash', {
      initiatedBy: 'user:default/ada',
    });
    await waitFor(
      'the sync to be under way',
      async () =>
        (
          await doomed.engine.getApplication('crash')
        ).status.operation?.progress,
    );
    // The process dies: its database connection is gone and nothing it does lands.
    await doomedConnection.destroy();

    const survivor = await createTestEngine({
      sim: suite.sim,
      database,
      leaseTtlMs: 1500,
    });
    cleanups.push(survivor.cleanup);
    await survivor.engine.setApplications([spec('crash', repo.fileUrl, 'app')]);
    await survivor.engine.start();
    const [ended] = await waitFor('the abandoned run to end', async () => {
      await survivor.engine.reconcileAll();
      const h = await survivor.engine.getHistory('crash');
      return h[0]?.phase === 'Error' && h;
    });
    expect(ended).toMatchObject({
      id: run.id,
      phase: 'Error',
      message: expect.stringMatching(/backend stopped during this sync/),
    });
    suite.sim.setFaults({ latencyMs: 0 });
    await survivor.engine.sync('crash', { initiatedBy: 'user:default/ada' });
    const [again] = await waitFor('the new sync', async () => {
      const h = await survivor.engine.getHistory('crash');
      return h.length === 2 && h[0].phase !== 'Running' && h;
    });
    expect(again.phase).toBe('Succeeded');
    expect(
      await clusterClient(suite.sim).get('v1', 'ConfigMap', 'cm-11', 'crash'),
    ).toBeDefined();
  });
});
