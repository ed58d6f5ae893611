import { TestDatabases } from '@backstage/backend-test-utils';
import { DatabaseGitopsStore } from './DatabaseGitopsStore';
import type { StoredRun } from './GitopsStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create();

function run(
  id: string,
  startedAt: string,
  phase: StoredRun['phase'] = 'Succeeded',
): StoredRun {
  return {
    id,
    applicationId: 'payments-prod',
    revision: 'main',
    commit: {
      sha: 'abc123',
      author: 'Ada <ada@example.com>',
      message: 'Bump',
      date: '2026-01-01T00:00:00Z',
    },
    startedAt,
    finishedAt: phase === 'Running' ? undefined : startedAt,
    phase,
    initiatedBy: 'user:default/ada',
    message: 'ok',
    dryRun: false,
    changes: [
      {
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'settings',
        action: 'created',
      },
    ],
  };
}

describe('DatabaseGitopsStore', () => {
  it.each(databases.eachSupportedId())(
    'keeps runs, newest first, bounded (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      for (let i = 0; i < 5; i++) {
        await store.insertRun(
          run(`r${i}`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()),
          'me',
        );
      }
      expect(
        (await store.listRuns('payments-prod', 10)).map(r => r.id),
      ).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
      await store.trimRuns('payments-prod', 2);
      const kept = await store.listRuns('payments-prod', 10);
      expect(kept.map(r => r.id)).toEqual(['r4', 'r3']);
      expect(kept[0]).toMatchObject({
        commit: { sha: 'abc123', author: 'Ada <ada@example.com>' },
        changes: [{ action: 'created', name: 'settings' }],
        dryRun: false,
      });
      expect(await store.getRun('payments-prod', 'r3')).toMatchObject({
        id: 'r3',
      });
      expect(await store.getRun('other', 'r3')).toBeUndefined();
    },
  );

  it.each(databases.eachSupportedId())(
    'hands a lease to one holder at a time (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map(holder =>
          store.tryAcquireLease('app', holder, 60_000),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = ['a', 'b', 'c', 'd'][results.indexOf(true)];
      const loser = winner === 'a' ? 'b' : 'a';
      expect(await store.tryAcquireLease('app', loser, 60_000)).toBe(false);
      expect(await store.renewLease('app', winner, 60_000)).toBe(true);
      expect(await store.renewLease('app', loser, 60_000)).toBe(false);
      await store.releaseLease('app', winner);
      expect(await store.tryAcquireLease('app', loser, 1)).toBe(true);
      await new Promise(r => setTimeout(r, 5));
      // An expired lease is free for the taking.
      expect(await store.tryAcquireLease('app', winner, 60_000)).toBe(true);
    },
  );

  it.each(databases.eachSupportedId())(
    'ends runs abandoned by a stopped engine (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      await store.insertRun(
        {
          ...run('held', new Date().toISOString(), 'Running'),
          applicationId: 'held',
        },
        'alive',
      );
      await store.tryAcquireLease('held', 'alive', 60_000);
      await store.insertRun(
        {
          ...run('lost', new Date().toISOString(), 'Running'),
          applicationId: 'lost',
        },
        'dead',
      );
      expect(
        await store.failAbandonedRuns('The backend stopped during this sync'),
      ).toBe(1);
      expect(await store.getRun('lost', 'lost')).toMatchObject({
        phase: 'Error',
        message: 'The backend stopped during this sync',
      });
      expect((await store.getRun('held', 'held'))?.phase).toBe('Running');
    },
  );

  it.each(databases.eachSupportedId())(
    'keeps inventories (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      const entries = [
        {
          group: '',
          version: 'v1',
          kind: 'ConfigMap',
          namespace: 'shop',
          name: 'a',
        },
      ];
      await store.saveInventory('app', { cluster: 'dev', entries });
      await store.saveInventory('app', {
        cluster: 'dev',
        entries,
        syncedRevision: 'abc',
      });
      expect(await store.getInventory('app')).toEqual({
        cluster: 'dev',
        entries,
        syncedRevision: 'abc',
      });
      await store.deleteInventory('app');
      expect(await store.getInventory('app')).toBeUndefined();
    },
  );

  it.each(databases.eachSupportedId())(
    'migrates down cleanly (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      await DatabaseGitopsStore.create({ database: knex });
      await knex.migrate.rollback(
        {
          directory: require('node:path').resolve(
            __dirname,
            '../../migrations',
          ),
        },
        true,
      );
      expect(await knex.schema.hasTable('gitops_runs')).toBe(false);
    },
  );
});
