import { TestDatabases } from '@backstage/backend-test-utils';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap } from '../__testUtils__/fixtures';
import type { EngineEvent } from './types';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * A push refreshes every application of the repository, one at a time here;
 * the one whose folder it changed goes first. The folders in registration
 * order: `apps/ab` first, whose name begins like `apps/a`, the last.
 */
describe('refreshRepo order', () => {
  const suite = kubeSimSuite('refresh-order');
  const folders = ['ab', 'b', 'c', 'd', 'e', 'a'];

  async function fleet(name: string) {
    const repo = new TestRepo(suite.root, name);
    repo.commit(
      Object.fromEntries(
        folders.map(f => [
          `apps/${f}/settings.yaml`,
          configMap('settings', { v: '1' }),
        ]),
      ),
      'Six applications',
    );
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database: await databases.init('SQLITE_3'),
      gitops: { reconcile: { concurrency: 1 } },
    });
    suite.cleanups.push(cleanup);
    await engine.setApplications(
      folders.map(f =>
        spec(`${name}-${f}`, repo.fileUrl, `apps/${f}`, { sync: 'auto' }),
      ),
    );
    await engine.start();
    await engine.reconcileAll();
    await waitFor('every application synced', async () =>
      (await engine.listApplications()).every(a => a.status.sync === 'Synced'),
    );
    return { repo, engine };
  }

  /** Pushes `head` and lists, in order, each application reconciled at it and each sync started. */
  async function push(
    { repo, engine }: Awaited<ReturnType<typeof fleet>>,
    head: string,
  ) {
    const log: string[] = [];
    const unsubscribe = engine.subscribe((event: EngineEvent) => {
      const { id, status } = event.application;
      if (event.type === 'syncStarted') log.push(`sync ${id}`);
      if (
        event.type === 'status' &&
        status.targetRevision === head &&
        !log.includes(`reconcile ${id}`)
      ) {
        log.push(`reconcile ${id}`);
      }
    });
    const refreshed = await engine.refreshRepo(repo.fileUrl, {
      branch: 'main',
      initiatedBy: 'webhook',
    });
    unsubscribe();
    return { log, refreshed };
  }

  it('reconciles the application whose folder a commit changed before the others, then all of them', async () => {
    const app = await fleet('first');
    const head = app.repo.commit(
      { 'apps/a/settings.yaml': configMap('settings', { v: '2' }) },
      'Change a',
    );
    const { log, refreshed } = await push(app, head);
    expect(log.slice(0, 2)).toEqual(['reconcile first-a', 'sync first-a']);
    expect(log.filter(l => l.startsWith('reconcile')).sort()).toEqual(
      folders.map(f => `reconcile first-${f}`).sort(),
    );
    expect(log.filter(l => l.startsWith('sync'))).toEqual(['sync first-a']);
    expect(refreshed.map(a => a.status.targetRevision)).toEqual(
      folders.map(() => head),
    );
    expect(
      (await app.engine.getApplication('first-a')).status.syncedRevision,
    ).toBe(head);
  });

  it('reconciles every application, none skipped, when a commit changes a file outside all their folders', async () => {
    const app = await fleet('outside');
    const head = app.repo.commit({ 'README.md': 'hello\n' }, 'Docs');
    const { log, refreshed } = await push(app, head);
    expect(log.filter(l => l.startsWith('reconcile'))).toEqual(
      folders.map(f => `reconcile outside-${f}`),
    );
    expect(refreshed.map(a => a.status)).toEqual(
      folders.map(() =>
        expect.objectContaining({
          sync: 'Synced',
          targetRevision: head,
          syncedRevision: head,
        }),
      ),
    );
  });

  it('follows a force-pushed history: the rewritten commit applied, every application reconciled', async () => {
    const app = await fleet('forced');
    app.repo.git(
      'commit',
      '--quiet',
      '--amend',
      '-m',
      'Six applications, again',
    );
    const head = app.repo.commit(
      { 'apps/a/settings.yaml': configMap('settings', { v: '3' }) },
      'Change a',
    );
    const { log, refreshed } = await push(app, head);
    expect(log.slice(0, 2)).toEqual(['reconcile forced-a', 'sync forced-a']);
    expect(log.filter(l => l.startsWith('reconcile')).sort()).toEqual(
      folders.map(f => `reconcile forced-${f}`).sort(),
    );
    expect(refreshed.map(a => a.status.syncedRevision)).toEqual(
      folders.map(() => head),
    );
  });

  it('syncs the changed application once when two pushes refresh the repository at once', async () => {
    const app = await fleet('twice');
    const head = app.repo.commit(
      { 'apps/e/settings.yaml': configMap('settings', { v: '2' }) },
      'Change e',
    );
    const syncs: string[] = [];
    const unsubscribe = app.engine.subscribe(event => {
      if (event.type === 'syncStarted') syncs.push(event.application.id);
    });
    const [first, second] = await Promise.all([
      app.engine.refreshRepo(app.repo.fileUrl, { initiatedBy: 'webhook' }),
      app.engine.refreshRepo(app.repo.fileUrl, { initiatedBy: 'webhook' }),
    ]);
    unsubscribe();
    expect(syncs).toEqual(['twice-e']);
    expect(await app.engine.getHistory('twice-e')).toHaveLength(2);
    for (const refreshed of [first, second]) {
      expect(refreshed.map(a => a.status.syncedRevision)).toEqual(
        folders.map(() => head),
      );
    }
  });
});
