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
    'trims dry runs apart from real runs, so previews keep rollback targets (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      const minute = (i: number) =>
        new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
      for (let i = 0; i < 3; i++) {
        await store.insertRun(run(`real-${i}`, minute(i)), 'me');
      }
      for (let i = 3; i < 9; i++) {
        await store.insertRun(
          { ...run(`dry-${i}`, minute(i)), dryRun: true },
          'me',
        );
      }
      expect(await store.countRuns()).toEqual(
        new Map([['payments-prod', { runs: 3, dryRuns: 6 }]]),
      );
      // One kind at a time, as a run or a dry run is recorded.
      await store.trimRuns('payments-prod', 2, 'dryRuns');
      expect(
        (await store.listRuns('payments-prod', 10)).map(r => r.id),
      ).toEqual(['dry-8', 'dry-7', 'real-2', 'real-1', 'real-0']);
      await store.trimRuns('payments-prod', 2);
      expect(
        (await store.listRuns('payments-prod', 10)).map(r => r.id),
      ).toEqual(['dry-8', 'dry-7', 'real-2', 'real-1']);
      expect(await store.countRuns()).toEqual(
        new Map([['payments-prod', { runs: 2, dryRuns: 2 }]]),
      );
    },
  );

  it.each(databases.eachSupportedId())(
    'lists every inventory in one read (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      expect(await store.listInventories()).toEqual(new Map());
      const entries = [
        {
          group: '',
          version: 'v1',
          kind: 'ConfigMap',
          namespace: 'shop',
          name: 'settings',
        },
      ];
      await store.saveInventory('shop', {
        cluster: 'dev',
        entries,
        syncedRevision: 'a'.repeat(40),
      });
      await store.saveInventory('cart', { cluster: 'prod', entries: [] });
      const all = await store.listInventories();
      expect(all).toEqual(
        new Map([
          ['shop', await store.getInventory('shop')],
          ['cart', await store.getInventory('cart')],
        ]),
      );
      expect(all.get('shop')).toEqual({
        cluster: 'dev',
        entries,
        syncedRevision: 'a'.repeat(40),
      });
    },
  );

  it.each(databases.eachSupportedId())(
    'keeps suspensions and rollback pins, and forgets them on resume (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      expect(await store.getAutomation('app')).toEqual({});
      const pin = {
        revision: 'a'.repeat(40),
        from: 'b'.repeat(40),
        by: 'user:default/ada',
        at: '2026-12-01T10:00:00.000Z',
      };
      await store.pinRevision('app', pin);
      const suspension = {
        reason: 'Load test until noon',
        by: 'user:default/bob',
        at: '2026-12-01T11:00:00.000Z',
      };
      await store.suspendAutomation('app', suspension);
      expect(await store.getAutomation('app')).toEqual({ pin, suspension });
      // A new suspension replaces the old one and keeps the pin.
      await store.suspendAutomation('app', {
        by: 'user:default/eve',
        at: '2026-12-01T12:00:00.000Z',
      });
      expect(await store.getAutomation('app')).toEqual({
        pin,
        suspension: { by: 'user:default/eve', at: '2026-12-01T12:00:00.000Z' },
      });
      await store.pinRevision('other', pin);
      expect(await store.listAutomation()).toEqual(
        new Map([
          ['app', await store.getAutomation('app')],
          ['other', { pin }],
        ]),
      );
      await store.unpinRevision('app');
      expect(await store.getAutomation('app')).toEqual({
        suspension: { by: 'user:default/eve', at: '2026-12-01T12:00:00.000Z' },
      });
      await store.unpinRevision('other');
      expect([...(await store.listAutomation()).keys()]).toEqual(['app']);
      await store.pinRevision('app', pin);
      await store.resumeAutomation('app');
      expect(await store.getAutomation('app')).toEqual({});
    },
  );

  it.each(databases.eachSupportedId())(
    'passes a termination request to the holder of the running sync (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      expect(
        await store.requestTermination('payments-prod', 'user:default/ada'),
      ).toBeUndefined();
      await store.insertRun(run('done', new Date(1000).toISOString()), 'a');
      expect(
        await store.requestTermination('payments-prod', 'user:default/ada'),
      ).toBeUndefined();
      await store.insertRun(
        run('running', new Date().toISOString(), 'Running'),
        'holder-a',
      );
      expect(
        await store.terminationRequest('payments-prod', 'holder-a'),
      ).toBeUndefined();
      expect(
        await store.requestTermination('payments-prod', 'user:default/ada'),
      ).toMatchObject({ id: 'running', phase: 'Running' });
      expect(await store.terminationRequest('payments-prod', 'holder-a')).toBe(
        'user:default/ada',
      );
      expect(
        await store.terminationRequest('payments-prod', 'holder-b'),
      ).toBeUndefined();
      await store.finishRun('running', {
        phase: 'Failed',
        message: 'Terminated by user:default/ada',
        changes: [],
        finishedAt: new Date().toISOString(),
      });
      expect(
        await store.terminationRequest('payments-prod', 'holder-a'),
      ).toBeUndefined();
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
      expect(await knex.schema.hasTable('gitops_automation')).toBe(false);
    },
  );
});
