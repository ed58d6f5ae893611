import { TestDatabases } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap } from '../__testUtils__/fixtures';

jest.setTimeout(180_000);

/*
 * Automation people steer, against kube-sim and real Git: a rollback pins the
 * application over restarts, suspend and resume, self-heal that guards the
 * synced commit while a newer one waits, sync windows, terminate, and dry
 * runs that do not push real runs out of the history.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const ADA = 'user:default/ada';
const settings = (v: string) => ({
  'app/settings.yaml': configMap('settings', { v }),
});

/** A PreSync Job that never starts (suspended): the sync waits on it until terminated. */
const heldHook = `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    mooring.dev/hook: PreSync
spec:
  suspend: true
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox:1.36
          command: ['sleep', '1']
`;

type TestEngine = Awaited<ReturnType<typeof createTestEngine>>['engine'];

describe('automation people can steer', () => {
  const suite = kubeSimSuite('automation');
  const { root, cleanups } = suite;

  async function engineOn(database: Knex, gitops?: Record<string, unknown>) {
    const created = await createTestEngine({
      sim: suite.sim,
      database,
      sync: { waveTimeout: 'PT120S', timeout: 'PT300S' },
      ...(gitops ? { gitops } : {}),
    });
    cleanups.push(created.cleanup);
    return created;
  }

  /** Two started engines (replicas), one on each database handle, following one auto-synced application. */
  async function replicas(
    id: string,
    repo: TestRepo,
    ...handles: [Knex, Knex]
  ): Promise<TestEngine[]> {
    const app = spec(id, repo.fileUrl, 'app', { sync: 'auto' });
    const engines: TestEngine[] = [];
    for (const handle of handles) {
      const { engine } = await engineOn(handle);
      await engine.setApplications([app]);
      await engine.start();
      engines.push(engine);
    }
    return engines;
  }

  const valueIn = async (namespace: string) =>
    (
      await clusterClient(suite.sim).get(
        'v1',
        'ConfigMap',
        'settings',
        namespace,
      )
    )?.data?.v;

  async function finished(engine: TestEngine, id: string, runId: string) {
    const [run] = await waitFor(`run ${runId} of ${id} to end`, async () => {
      const found = (await engine.getHistory(id)).find(r => r.id === runId);
      return found && found.phase !== 'Running' && [found];
    });
    return run;
  }

  async function syncedAt(engine: TestEngine, id: string, sha: string) {
    await waitFor(`${id} synced at ${sha.slice(0, 7)}`, async () => {
      const app = await engine.refresh(id);
      return (
        app.status.syncedRevision === sha &&
        app.status.operation?.phase !== 'Running'
      );
    });
  }

  it.each(databases.eachSupportedId())(
    'keeps a rollback pinned over a restart, and resume syncs the newest commit (%p)',
    async databaseId => {
      const database = await databases.init(databaseId);
      const id = `pin-${databaseId.toLowerCase().replace(/_/g, '')}`;
      const repo = new TestRepo(root, id);
      const v1 = repo.commit(settings('1'), 'v1');
      const first = await engineOn(database);
      const app = spec(id, repo.fileUrl, 'app', { sync: 'auto' });
      await first.engine.setApplications([app]);
      await first.engine.start();
      await syncedAt(first.engine, id, v1);
      const [v1Run] = await first.engine.getHistory(id);
      const v2 = repo.commit(settings('2'), 'v2');
      await syncedAt(first.engine, id, v2);

      const rollback = await first.engine.rollback(id, v1Run.id, ADA);
      expect((await finished(first.engine, id, rollback.id)).phase).toBe(
        'Succeeded',
      );
      expect(await valueIn(id)).toBe('1');
      expect((await first.engine.getApplication(id)).status.automation).toEqual(
        {
          suspended: false,
          at: expect.any(String),
          pinnedRevision: v1,
          pinnedBy: ADA,
        },
      );
      // Not only the commit it moved away from: every newer one waits.
      const v3 = repo.commit(settings('3'), 'v3');
      await first.engine.refresh(id);
      expect(await valueIn(id)).toBe('1');

      // The backend restarts: a new engine on the same database.
      await first.cleanup();
      const second = await engineOn(database);
      await second.engine.setApplications([app]);
      await second.engine.start();
      await second.engine.reconcileAll();
      const restarted = await second.engine.refresh(id);
      expect(restarted.status).toMatchObject({
        targetRevision: v3,
        syncedRevision: v1,
        sync: 'OutOfSync',
        automation: { pinnedRevision: v1, pinnedBy: ADA },
      });
      expect(await valueIn(id)).toBe('1');
      expect((await second.engine.getHistory(id)).length).toBe(3);

      const resumed = await second.engine.resume(id, { by: ADA });
      expect(resumed.status.automation).toBeUndefined();
      await waitFor('v3 applied after resume', async () => {
        return (await valueIn(id)) === '3';
      });
      const [newest] = await waitFor('the run of v3', async () => {
        const h = await second.engine.getHistory(id);
        return h[0]?.commit.sha === v3 && h[0].phase !== 'Running' && h;
      });
      expect(newest).toMatchObject({ initiatedBy: 'auto', phase: 'Succeeded' });
    },
  );

  it('honours a rollback made on another replica, until someone syncs a newer commit by hand (PostgreSQL)', async () => {
    const database = await databases.init('POSTGRES_15');
    const other = knexFactory({
      ...(database.client as any).config,
      pool: { min: 0, max: 5 },
    });
    cleanups.push(async () => {
      await other.destroy();
    });
    const id = 'pin-replicas';
    const repo = new TestRepo(root, id);
    const v1 = repo.commit(settings('1'), 'v1');
    const [a, b] = await replicas(id, repo, database, other);
    await syncedAt(a, id, v1);
    const [v1Run] = await a.getHistory(id);
    const v2 = repo.commit(settings('2'), 'v2');
    await syncedAt(a, id, v2);
    await b.refresh(id);

    const rollback = await a.rollback(id, v1Run.id, ADA);
    await finished(a, id, rollback.id);
    // B has not heard of it, but reads the pin before it would sync a newer commit.
    const v3 = repo.commit(settings('3'), 'v3');
    await b.reconcileAll();
    await b.refresh(id);
    expect((await b.getApplication(id)).status.targetRevision).toBe(v3);
    expect(await valueIn(id)).toBe('1');
    expect((await b.getHistory(id)).map(r => r.initiatedBy)).toEqual([
      ADA,
      'auto',
      'auto',
    ]);
    expect((await b.getApplication(id)).status.automation).toMatchObject({
      pinnedRevision: v1,
      pinnedBy: ADA,
    });

    // A person syncs the newest commit on B: the pin goes, on A too.
    const manual = await b.sync(id, { initiatedBy: 'user:default/bob' });
    expect((await finished(b, id, manual.id)).commit.sha).toBe(v3);
    expect(await valueIn(id)).toBe('3');
    expect((await a.getApplication(id)).status.automation).toBeUndefined();
    const v4 = repo.commit(settings('4'), 'v4');
    await syncedAt(a, id, v4);
    expect((await a.getHistory(id))[0]).toMatchObject({
      initiatedBy: 'auto',
      commit: { sha: v4 },
    });
  });

  it('suspends auto-sync and self-heal, persisted, and resumes them', async () => {
    const database = await databases.init('SQLITE_3');
    const id = 'suspended';
    const repo = new TestRepo(root, id);
    const v1 = repo.commit(settings('1'), 'v1');
    const first = await engineOn(database);
    const app = spec(id, repo.fileUrl, 'app', { sync: 'auto', selfHeal: true });
    await first.engine.setApplications([app]);
    await first.engine.start();
    await syncedAt(first.engine, id, v1);

    const suspended = await first.engine.suspend(id, {
      by: ADA,
      reason: 'Load test until noon',
    });
    expect(suspended.status.automation).toEqual({
      suspended: true,
      reason: 'Load test until noon',
      by: ADA,
      at: expect.any(String),
    });
    const v2 = repo.commit(settings('2'), 'v2');
    await first.engine.refresh(id);
    // Drift is not healed either.
    const k8s = clusterClient(suite.sim);
    const live = await k8s.get('v1', 'ConfigMap', 'settings', id);
    live.data.v = 'meddled';
    await k8s.replace(live);
    await waitFor(
      'the drift to show',
      async () => (await first.engine.refresh(id)).status.sync === 'OutOfSync',
    );
    await new Promise(r => setTimeout(r, 1500));
    await first.engine.refresh(id);
    expect(await valueIn(id)).toBe('meddled');
    expect(await first.engine.getHistory(id)).toHaveLength(1);

    await first.cleanup();
    const second = await engineOn(database);
    await second.engine.setApplications([app]);
    await second.engine.start();
    await second.engine.reconcileAll();
    expect((await second.engine.getApplication(id)).status).toMatchObject({
      targetRevision: v2,
      automation: { suspended: true, by: ADA, reason: 'Load test until noon' },
    });
    expect(await valueIn(id)).toBe('meddled');

    await second.engine.resume(id, { by: ADA, reason: 'Load test done' });
    await waitFor('v2 applied after resume', async () => {
      return (await valueIn(id)) === '2';
    });
    await syncedAt(second.engine, id, v2);
  });

  it("lists suspensions: its own at once, another replica's within a second, one read for listings close together", async () => {
    const database = await databases.init('SQLITE_3');
    const id = 'listed';
    const repo = new TestRepo(root, id);
    const v1 = repo.commit(settings('1'), 'v1');
    const [a, b] = await replicas(id, repo, database, database);
    await syncedAt(a, id, v1);
    const reads: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (/from [`"]gitops_automation[`"]$/i.test(q.sql.trim())) {
        reads.push(q.sql);
      }
    };
    database.on('query', onQuery);
    cleanups.push(async () => {
      database.off('query', onQuery);
    });
    const listed = async (engine: TestEngine) =>
      (await engine.listApplications()).find(x => x.id === id)!;

    // Listings close together share one read of every suspension.
    await Promise.all([listed(a), listed(a), listed(a)]);
    await listed(a);
    expect(reads).toHaveLength(1);

    // Another replica's suspension shows within a second or so.
    await b.suspend(id, { by: ADA, reason: 'freeze' });
    await waitFor(
      "replica B's suspension in A's listing",
      async () => (await listed(a)).status.automation?.suspended === true,
      3000,
    );
    expect(reads.length).toBeGreaterThan(1);

    // This replica's own change shows at once, and an older read of every
    // suspension does not take it back.
    await a.resume(id, { by: ADA });
    expect((await listed(a)).status.automation).toBeUndefined();
    await new Promise(r => setTimeout(r, 1100));
    expect((await listed(a)).status.automation).toBeUndefined();
    await a.suspend(id, { by: ADA });
    expect((await listed(a)).status.automation?.suspended).toBe(true);
  });

  it('self-heals to the synced commit while a newer one waits for a manual sync', async () => {
    const database = await databases.init('SQLITE_3');
    const { engine } = await engineOn(database);
    const id = 'guarded';
    const repo = new TestRepo(root, id);
    const v1 = repo.commit(settings('1'), 'v1');
    await engine.setApplications([
      spec(id, repo.fileUrl, 'app', { sync: 'manual', selfHeal: true }),
    ]);
    await engine.start();
    await engine.refresh(id);
    const first = await engine.sync(id, { initiatedBy: ADA });
    await finished(engine, id, first.id);
    const v2 = repo.commit(settings('2'), 'v2');
    expect((await engine.refresh(id)).status).toMatchObject({
      targetRevision: v2,
      syncedRevision: v1,
      sync: 'OutOfSync',
    });
    // Nothing drifted from v1: no self-heal, only the newer commit waits.
    await new Promise(r => setTimeout(r, 500));
    expect(await engine.getHistory(id)).toHaveLength(1);

    const k8s = clusterClient(suite.sim);
    const live = await k8s.get('v1', 'ConfigMap', 'settings', id);
    live.data.v = 'meddled';
    await k8s.replace(live);
    const [heal] = await waitFor('the self-heal', async () => {
      const h = await engine.getHistory(id);
      return h.length === 2 && h[0].phase !== 'Running' && h;
    });
    expect(heal).toMatchObject({
      initiatedBy: 'self-heal',
      phase: 'Succeeded',
      revision: v1,
      commit: { sha: v1 },
    });
    expect(await valueIn(id)).toBe('1');
    expect((await engine.refresh(id)).status).toMatchObject({
      targetRevision: v2,
      syncedRevision: v1,
    });
    // Healed: nothing more to do.
    await engine.refresh(id);
    await new Promise(r => setTimeout(r, 500));
    expect(await engine.getHistory(id)).toHaveLength(2);
  });

  it('holds automation inside a deny window, says why, and refuses manual syncs unless the window allows them', async () => {
    const database = await databases.init('SQLITE_3');
    const hour = new Date().getUTCHours();
    const until = `${String((hour + 2) % 24).padStart(2, '0')}:00 UTC`;
    const { engine } = await engineOn(database, {
      syncWindows: [
        {
          kind: 'deny',
          schedule: `0 ${hour} * * *`,
          duration: '2h',
          applications: ['component:default/frozen'],
        },
        {
          name: 'release',
          kind: 'deny',
          schedule: `0 ${hour} * * *`,
          duration: '2h',
          applications: ['lenient'],
          manualSync: true,
        },
      ],
    });
    const repos = ['frozen', 'lenient'].map(name => {
      const repo = new TestRepo(root, name);
      repo.commit(settings('1'), 'v1');
      return repo;
    });
    await engine.setApplications([
      spec('frozen', repos[0].fileUrl, 'app', { sync: 'auto' }),
      spec('lenient', repos[1].fileUrl, 'app', { sync: 'auto' }),
    ]);
    await engine.start();
    await engine.reconcileAll();

    const frozen = await engine.refresh('frozen');
    expect(frozen.status.sync).toBe('OutOfSync');
    expect(frozen.status.automation).toEqual({
      suspended: false,
      window: `deny window (0 ${hour} * * *, 2h) active until ${until}`,
      manualSyncBlocked: true,
    });
    expect(await engine.getHistory('frozen')).toEqual([]);
    expect(await valueIn('frozen')).toBeUndefined();
    await expect(
      engine.sync('frozen', { initiatedBy: ADA }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        `A sync window refuses manual syncs of frozen now: deny window (0 ${hour} * * *, 2h) active until ${until}`,
      ),
    });
    // A preview is fine.
    const preview = await engine.sync('frozen', {
      initiatedBy: ADA,
      dryRun: true,
    });
    expect(preview.phase).toBe('Succeeded');
    expect(await valueIn('frozen')).toBeUndefined();

    const lenient = await engine.refresh('lenient');
    expect(lenient.status.automation).toEqual({
      suspended: false,
      window: `deny window 'release' (0 ${hour} * * *, 2h) active until ${until}`,
    });
    expect(await engine.getHistory('lenient')).toEqual([]);
    const manual = await engine.sync('lenient', { initiatedBy: ADA });
    expect((await finished(engine, 'lenient', manual.id)).phase).toBe(
      'Succeeded',
    );
    expect(await valueIn('lenient')).toBe('1');
  });

  it('keeps real runs however many dry runs are previewed', async () => {
    const database = await databases.init('SQLITE_3');
    const { engine } = await createTestEngine({
      sim: suite.sim,
      database,
      maxRuns: 2,
    }).then(created => {
      cleanups.push(created.cleanup);
      return created;
    });
    const id = 'previews';
    const repo = new TestRepo(root, id);
    repo.commit(settings('1'), 'v1');
    await engine.setApplications([spec(id, repo.fileUrl, 'app')]);
    await engine.refresh(id);
    const real = [];
    for (let i = 0; i < 2; i++) {
      const run = await engine.sync(id, { initiatedBy: ADA });
      real.push((await finished(engine, id, run.id)).id);
    }
    for (let i = 0; i < 4; i++) {
      await engine.sync(id, { initiatedBy: ADA, dryRun: true });
    }
    const history = await engine.getHistory(id, { limit: 10 });
    expect(history.filter(r => !r.dryRun).map(r => r.id)).toEqual(
      [...real].reverse(),
    );
    expect(history.filter(r => r.dryRun)).toHaveLength(2);
  });

  async function waitingOnHook(engine: TestEngine, id: string) {
    await waitFor(
      'the sync to wait for its PreSync hook',
      async () =>
        (
          await engine.getApplication(id)
        ).status.operation?.waitingFor,
    );
  }

  it('terminates a sync held by its hook on this replica', async () => {
    const database = await databases.init('SQLITE_3');
    const { engine } = await engineOn(database);
    const id = 'terminated';
    const repo = new TestRepo(root, id);
    repo.commit({ ...settings('1'), 'app/migrate.yaml': heldHook }, 'v1');
    await engine.setApplications([spec(id, repo.fileUrl, 'app')]);
    await engine.refresh(id);
    await expect(engine.terminate(id, ADA)).rejects.toMatchObject({
      name: 'ConflictError',
      message: `Application ${id} has no running sync to terminate`,
    });
    const run = await engine.sync(id, { initiatedBy: 'user:default/bob' });
    await waitingOnHook(engine, id);
    const stopping = await engine.terminate(id, ADA);
    expect(stopping).toMatchObject({ id: run.id, phase: 'Running' });
    const ended = await finished(engine, id, run.id);
    expect(ended).toMatchObject({
      phase: 'Failed',
      message: expect.stringContaining(`Terminated by ${ADA}`),
    });
    // The main phase never ran.
    expect(await valueIn(id)).toBeUndefined();
    await expect(engine.terminate(id, ADA)).rejects.toMatchObject({
      name: 'ConflictError',
    });
  });

  it('terminates a sync that another replica runs (PostgreSQL)', async () => {
    const database = await databases.init('POSTGRES_15');
    const other = knexFactory({
      ...(database.client as any).config,
      pool: { min: 0, max: 5 },
    });
    cleanups.push(async () => {
      await other.destroy();
    });
    const replica = (db: Knex) =>
      createTestEngine({
        sim: suite.sim,
        database: db,
        leaseTtlMs: 1500,
        sync: { waveTimeout: 'PT120S', timeout: 'PT300S' },
      });
    // One after the other: both run the migrations.
    const a = await replica(database);
    const b = await replica(other);
    cleanups.push(a.cleanup, b.cleanup);
    const id = 'terminated-elsewhere';
    const repo = new TestRepo(root, id);
    repo.commit({ ...settings('1'), 'app/migrate.yaml': heldHook }, 'v1');
    for (const { engine } of [a, b]) {
      await engine.setApplications([spec(id, repo.fileUrl, 'app')]);
      await engine.refresh(id);
    }
    const run = await a.engine.sync(id, { initiatedBy: 'user:default/bob' });
    await waitingOnHook(a.engine, id);
    // B does not run it: the request goes through the database.
    const stopping = await b.engine.terminate(id, ADA);
    expect(stopping).toMatchObject({ id: run.id, phase: 'Running' });
    const ended = await finished(a.engine, id, run.id);
    expect(ended).toMatchObject({
      phase: 'Failed',
      message: expect.stringContaining(`Terminated by ${ADA}`),
    });
    expect(await valueIn(id)).toBeUndefined();
    await expect(b.engine.terminate(id, ADA)).rejects.toMatchObject({
      name: 'ConflictError',
    });
  });
});
