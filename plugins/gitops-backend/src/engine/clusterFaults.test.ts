import path from 'node:path';
import { TestDatabases } from '@backstage/backend-test-utils';
import { TestRepo, freePort } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  kubeSimSuite,
  spec,
  startKubeSim,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap, secret } from '../__testUtils__/fixtures';
import type { GitopsEngine } from './types';

jest.setTimeout(240_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * Faults of the API server as an operator meets them: a cluster answering
 * 30% of requests with 500/503/429 and dropping watches, a watch that
 * breaks, a cluster that goes away and comes back. No engine here has a
 * reconcile interval: whatever recovers, recovers by itself.
 */
describe('the engine facing cluster faults', () => {
  const suite = kubeSimSuite('engine-cluster-faults');
  const { root, cleanups } = suite;

  /** Every status message the engine published, in order. */
  function messagesOf(engine: Pick<GitopsEngine, 'subscribe'>) {
    const messages: string[] = [];
    engine.subscribe(event => {
      if (event.type === 'status') {
        messages.push(event.application.status.message ?? '');
      }
    });
    return messages;
  }

  it('syncs every application of a cold start within 30 s while the API server fails 30% of requests', async () => {
    const repo = new TestRepo(root, 'fleet');
    const ids = Array.from({ length: 20 }, (_, i) => `cold-${i}`);
    const files: Record<string, string> = {};
    for (const id of ids) {
      files[`${id}/settings.yaml`] = configMap('settings', { app: id });
      files[`${id}/credentials.yaml`] = secret('credentials', { app: id });
    }
    const head = repo.commit(files, 'Fleet');
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
    });
    cleanups.push(cleanup);
    const messages = messagesOf(engine);
    await engine.setApplications(
      ids.map(id => spec(id, repo.fileUrl, id, { sync: 'auto' })),
    );
    // The cold start meets a cluster that fails everything at first, so the
    // first watches cannot start (each retried, each app saying so)…
    suite.sim.setFaults({ failRate: 1 });
    await engine.start();
    const firstTick = engine.reconcileAll();
    await waitFor('an application to say its watch is retried', () =>
      messages.find(m => /^Retrying the watch of \w+ on cluster dev/.test(m)),
    );
    // …then fails 30% of requests and drops watches, as `--fail-rate 0.3`.
    suite.sim.setFaults({ failRate: 0.3 });
    const all = await waitFor(
      'every application Synced',
      async () => {
        const apps = await engine.listApplications();
        return apps.every(a => a.status.sync === 'Synced') && apps;
      },
      30_000,
    );
    expect(all.map(a => a.status.syncedRevision)).toEqual(ids.map(() => head));
    await firstTick;
    suite.sim.setFaults({ failRate: 0 });
    const k8s = clusterClient(suite.sim);
    for (const id of ids) {
      expect((await k8s.get('v1', 'ConfigMap', 'settings', id)).data).toEqual({
        app: id,
      });
      expect(await k8s.get('v1', 'Secret', 'credentials', id)).toBeDefined();
    }
  });

  it('keeps the last status while a dropped watch is retried, then heals a change made after it within seconds', async () => {
    const repo = new TestRepo(root, 'dropped');
    repo.commit(
      { 'app/settings.yaml': configMap('settings', { v: '1' }) },
      'v1',
    );
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
    });
    cleanups.push(cleanup);
    await engine.setApplications([
      spec('dropped', repo.fileUrl, 'app', { sync: 'auto', selfHeal: true }),
    ]);
    await engine.start();
    await engine.refresh('dropped');
    await waitFor(
      'the first sync',
      async () =>
        (await engine.getApplication('dropped')).status.sync === 'Synced',
    );
    // The watch drops and cannot start again for a while.
    suite.sim.setFaults({ failRate: 1 });
    expect(suite.sim.dropWatches()).toBeGreaterThan(0);
    const retrying = await waitFor('the status to say so', async () => {
      const { status } = await engine.getApplication('dropped');
      return (
        /^Retrying the watch of ConfigMap on cluster dev \(attempt \d+, (next in \d+ s|retrying now)\): /.test(
          status.message ?? '',
        ) && status
      );
    });
    // What was last known stands, rather than Unknown.
    expect(retrying).toMatchObject({ sync: 'Synced', health: 'Healthy' });
    suite.sim.setFaults({ failRate: 0 });
    await waitFor(
      'the watch to work again',
      async () =>
        !/^Retrying/.test(
          (await engine.getApplication('dropped')).status.message ?? '',
        ),
    );
    const k8s = clusterClient(suite.sim);
    const live = await k8s.get('v1', 'ConfigMap', 'settings', 'dropped');
    live.data.v = 'meddled';
    await k8s.replace(live);
    // Seen through the new watch and healed: no reconcile was asked for.
    await waitFor(
      'the change to be healed',
      async () =>
        (await k8s.get('v1', 'ConfigMap', 'settings', 'dropped')).data.v ===
        '1',
    );
    const history = await engine.getHistory('dropped');
    expect(history.map(r => r.initiatedBy)).toEqual(['self-heal', 'auto']);
  });

  it('turns the applications of a cluster that stays unreachable Unknown after gitops.clusterUnreachableAfter, and back when it returns', async () => {
    const stateFile = path.join(root, 'bars-state.json');
    const port = await freePort();
    let bars = await startKubeSim({ port, stateFile });
    cleanups.push(() => bars.stop());
    const repo = new TestRepo(root, 'away');
    repo.commit(
      { 'app/settings.yaml': configMap('settings', { v: '1' }) },
      'v1',
    );
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
      extraClusters: [
        {
          name: 'bars',
          url: bars.url,
          serviceAccountToken: bars.adminToken,
          caData: bars.caData,
        },
      ],
      gitops: { clusterUnreachableAfter: { seconds: 3 } },
    });
    cleanups.push(cleanup);
    const messages = messagesOf(engine);
    await engine.setApplications([
      spec('away', repo.fileUrl, 'app', { sync: 'auto', cluster: 'bars' }),
    ]);
    await engine.start();
    await engine.refresh('away');
    await waitFor(
      'the first sync',
      async () =>
        (await engine.getApplication('away')).status.sync === 'Synced',
    );

    await bars.stop();
    const unknown = await waitFor(
      'the application to turn Unknown',
      async () => {
        const { status } = await engine.getApplication('away');
        return status.sync === 'Unknown' && status;
      },
    );
    expect(unknown).toMatchObject({ health: 'Unknown' });
    expect(unknown.message).toMatch(
      /^Cluster bars has not answered for \d+ s\. Retrying the watch of ConfigMap on cluster bars/,
    );
    // Before that, it kept its last status and said it was retrying.
    expect(
      messages.some(m =>
        /^Retrying the watch of ConfigMap on cluster bars/.test(m),
      ),
    ).toBe(true);

    bars = await startKubeSim({ port, stateFile });
    const back = await waitFor(
      'the application to come back by itself',
      async () => {
        const { status } = await engine.getApplication('away');
        return status.sync === 'Synced' && status;
      },
      60_000,
    );
    expect(back).toMatchObject({ health: 'Healthy' });
    expect(back.message).not.toMatch(/Retrying|has not answered/);
    expect(await engine.getHistory('away')).toHaveLength(1);
  });
});
