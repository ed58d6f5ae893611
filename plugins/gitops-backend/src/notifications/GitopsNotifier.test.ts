import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import type {
  Application,
  Operation,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type { SyncOptions } from '../engine/types';
import { CatalogUsersByEmail } from './CatalogUsersByEmail';
import { GitopsNotifier } from './GitopsNotifier';
import {
  payments,
  startGitopsTestBackend,
  web,
  WEB,
} from '../__testUtils__/gitopsTestBackend';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

describe('notifications', () => {
  it('notifies the owners once per failure episode and once per drift episode', async () => {
    const t = await startGitopsTestBackend([payments, web]);
    try {
      const app = await t.engine.getApplication(WEB);
      const run = (await t.engine.sync(WEB, {
        initiatedBy: 'auto',
      })) as SyncRun;
      const failedRun: SyncRun = {
        ...run,
        phase: 'Failed',
        message: 'Deployment default/web: image pull failed',
        changes: [
          {
            kind: 'Deployment',
            namespace: 'default',
            name: 'web',
            action: 'failed',
            message: 'admission denied',
          },
        ],
      };
      t.engine.emit({ type: 'syncFailed', application: app, run: failedRun });
      t.engine.emit({ type: 'syncFailed', application: app, run: failedRun });
      await waitFor(
        'notification 1',
        () => t.notifications.send.mock.calls.length >= 1,
      );
      await new Promise(r => setTimeout(r, 200));
      expect(t.notifications.send).toHaveBeenCalledTimes(1);
      expect(t.notifications.send).toHaveBeenCalledWith({
        recipients: { type: 'entity', entityRef: ['group:default/team-web'] },
        payload: expect.objectContaining({
          title: 'Sync of component:default/web to dev failed',
          description: expect.stringContaining(
            'Deployment default/web: admission denied',
          ),
          link: '/catalog/default/component/web',
          topic: 'gitops',
          scope: `gitops:${WEB}:sync-failed`,
        }),
      });

      // Recovery ends the episode; the next failure notifies again.
      t.engine.emit({
        type: 'status',
        application: {
          ...app,
          status: {
            ...app.status,
            operation: {
              ...(failedRun as any),
              runId: run.id,
              phase: 'Succeeded',
              dryRun: false,
              prune: false,
            },
          },
        },
      });
      t.engine.emit({ type: 'syncFailed', application: app, run: failedRun });
      await waitFor(
        'notification 2',
        () => t.notifications.send.mock.calls.length >= 2,
      );

      t.engine.emit({ type: 'driftDetected', application: app });
      t.engine.emit({ type: 'driftDetected', application: app });
      await waitFor(
        'notification 3',
        () => t.notifications.send.mock.calls.length >= 3,
      );
      t.engine.emit({ type: 'driftResolved', application: app });
      t.engine.emit({ type: 'driftDetected', application: app });
      await waitFor(
        'notification 4',
        () => t.notifications.send.mock.calls.length >= 4,
      );
      await new Promise(r => setTimeout(r, 200));
      expect(t.notifications.send).toHaveBeenCalledTimes(4);
      expect(
        (t.notifications.send.mock.calls[2] as any[])[0].payload.title,
      ).toBe('component:default/web drifted from Git on dev');
    } finally {
      await t.backend.stop();
    }
  });
});

/*
 * The people behind a change, from engine events shaped as the engine emits
 * them for one sync: syncStarted once the commit is resolved, syncFinished
 * after the comparison that follows it, and status events as health moves.
 */

const SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

function user(name: string, email: string) {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { profile: { email } },
  };
}

function application(status: Partial<Application['status']> = {}): Application {
  return {
    id: 'web',
    entityRef: 'component:default/web',
    target: 'default',
    source: {
      repoUrl: 'https://git.example.com/team/web.git',
      path: 'deploy',
      revision: 'main',
    },
    destination: { cluster: 'dev', namespace: 'web' },
    policy: { sync: 'manual', prune: false, selfHeal: false },
    status: {
      sync: 'OutOfSync',
      health: 'Healthy',
      targetRevision: SHA,
      reconciledAt: '2026-12-02T02:00:00.000Z',
      message: '',
      ...status,
    },
  };
}

function syncRun(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: 'run-1',
    revision: 'main',
    commit: {
      sha: SHA,
      author: 'Ada Lovelace <Ada@Example.com>',
      message: 'Raise replicas to 3\n\nMore traffic.',
      date: '2026-12-02T01:59:00.000Z',
    },
    startedAt: '2026-12-02T02:00:00.000Z',
    phase: 'Running',
    initiatedBy: 'user:default/bob',
    message: '',
    changes: [],
    ...overrides,
  };
}

function peopleNotifier(entities: any[]) {
  const sent: NotificationSendOptions[] = [];
  const logger = mockServices.logger.mock();
  const catalog = catalogServiceMock({ entities });
  const getEntities = jest.spyOn(catalog, 'getEntities');
  const notifier = new GitopsNotifier({
    notifications: {
      send: async options => {
        sent.push(options);
      },
    },
    owners: () => ['group:default/team-web'],
    logger,
    users: new CatalogUsersByEmail({
      catalog,
      auth: mockServices.auth(),
      logger,
    }),
  });
  /** The engine's events of one sync that ends in `phase`, then the status after it. */
  async function sync(
    run: SyncRun,
    options: SyncOptions,
    after: Partial<Application['status']>,
  ) {
    await notifier.handle({
      type: 'syncStarted',
      application: application({
        operation: { ...operationOf(run), phase: 'Running' },
      }),
      run,
      options,
    });
    const done = {
      ...run,
      phase: run.phase === 'Running' ? 'Succeeded' : run.phase,
    } as SyncRun;
    const status = { ...after, operation: operationOf(done) };
    if (done.phase !== 'Succeeded') {
      await notifier.handle({
        type: 'syncFailed',
        application: application(status),
        run: done,
      });
    }
    await notifier.handle({
      type: 'syncFinished',
      application: application(status),
      run: done,
      options,
    });
    return status;
  }
  const status = (s: Partial<Application['status']>) =>
    notifier.handle({ type: 'status', application: application(s) });
  const toPeople = () =>
    sent.filter(s => s.payload.scope?.includes(':change:'));
  return { notifier, sent, toPeople, sync, status, logger, getEntities };
}

function operationOf(run: SyncRun): Operation {
  return {
    id: run.id,
    runId: run.id,
    phase: run.phase,
    revision: run.commit.sha,
    initiatedBy: run.initiatedBy,
    startedAt: run.startedAt,
    message: run.message,
    dryRun: false,
    prune: false,
    changes: run.changes,
  };
}

const live = {
  sync: 'Synced',
  health: 'Healthy',
  syncedRevision: SHA,
} as const;

describe('the people behind a change', () => {
  it('tells the author (matched by email, letter case aside) and the initiator when the change is live, Degraded and recovered, in one notification', async () => {
    const t = peopleNotifier([
      user('ada', 'ada@example.com'),
      user('grace', 'grace@example.com'),
    ]);
    const after = await t.sync(
      syncRun(),
      { initiatedBy: 'user:default/bob' },
      { ...live, health: 'Progressing' },
    );
    expect(t.toPeople()).toEqual([]);
    await t.status({ ...after, health: 'Healthy' });
    await t.status({ ...after, health: 'Healthy' });
    await t.status({
      ...after,
      health: 'Degraded',
      message: 'web: ImagePullBackOff',
    });
    await t.status({ ...after, health: 'Healthy' });

    const scope = `gitops:web:change:${SHA}`;
    expect(t.toPeople()).toEqual([
      {
        recipients: {
          type: 'entity',
          entityRef: ['user:default/ada', 'user:default/bob'],
        },
        payload: {
          title: 'Change a1b2c3d to component:default/web is live on dev',
          description: [
            'Synced and Healthy.',
            'Commit "Raise replicas to 3" by Ada Lovelace <Ada@Example.com>.',
            'Synced by user:default/bob.',
          ].join('\n'),
          link: '/catalog/default/component/web/deployments',
          severity: 'normal',
          topic: 'gitops',
          scope,
        },
      },
      expect.objectContaining({
        payload: expect.objectContaining({
          title: 'Change a1b2c3d to component:default/web is Degraded on dev',
          description: expect.stringContaining(
            'The application is Degraded: web: ImagePullBackOff',
          ),
          severity: 'high',
          scope,
        }),
      }),
      expect.objectContaining({
        payload: expect.objectContaining({
          title: 'Change a1b2c3d to component:default/web recovered on dev',
          severity: 'normal',
          scope,
        }),
      }),
    ]);
    // One catalog query for the address, by filter, not the whole catalog.
    expect(t.getEntities).toHaveBeenCalledTimes(1);
    expect(t.getEntities.mock.calls[0][0]).toMatchObject({
      filter: { kind: 'user', 'spec.profile.email': 'ada@example.com' },
    });
  });

  it('tells of a failed sync once, and of its recovery when self-heal applies the same commit, in the same notification', async () => {
    const t = peopleNotifier([user('ada', 'ada@example.com')]);
    const failed = syncRun({
      phase: 'Failed',
      message: '1 failed. Deployment web: admission denied',
      changes: [
        {
          kind: 'Deployment',
          namespace: 'web',
          name: 'web',
          action: 'failed',
          message: 'admission denied',
        },
      ],
    });
    const after = await t.sync(failed, { initiatedBy: 'auto' }, {});
    await t.status({ ...after, health: 'Degraded' });
    expect(t.toPeople()).toHaveLength(1);
    expect(t.toPeople()[0]).toMatchObject({
      // An automatic sync: the author only.
      recipients: { type: 'entity', entityRef: ['user:default/ada'] },
      payload: {
        title: 'Change a1b2c3d to component:default/web failed on dev',
        severity: 'high',
        description: expect.stringContaining(
          'Deployment web/web: admission denied',
        ),
      },
    });
    // The owners keep their own notification.
    expect(
      t.sent.filter(s => s.payload.scope === 'gitops:web:sync-failed'),
    ).toHaveLength(1);

    // Self-heal of the same commit goes on with the episode: it recovered.
    await t.sync(syncRun({ id: 'run-2' }), { initiatedBy: 'self-heal' }, live);
    expect(t.toPeople().map(s => s.payload.title)).toEqual([
      'Change a1b2c3d to component:default/web failed on dev',
      'Change a1b2c3d to component:default/web recovered on dev',
    ]);
    expect(new Set(t.toPeople().map(s => s.payload.scope))).toEqual(
      new Set([`gitops:web:change:${SHA}`]),
    );
  });

  it('tells the person who rolled back, and no one for an author matching no user', async () => {
    const t = peopleNotifier([user('ada', 'ada@example.com')]);
    await t.sync(
      syncRun({
        commit: {
          ...syncRun().commit,
          author: 'Mallory <mallory@evil.example>',
        },
      }),
      { initiatedBy: 'user:default/grace', rollback: true },
      { ...live, targetRevision: 'f'.repeat(40), sync: 'OutOfSync' },
    );
    expect(t.toPeople()).toEqual([
      expect.objectContaining({
        recipients: { type: 'entity', entityRef: ['user:default/grace'] },
        payload: expect.objectContaining({
          // A rollback stays OutOfSync with the branch's newest commit.
          title: 'Rollback of component:default/web to a1b2c3d is live on dev',
          description: expect.stringContaining(
            'Rolled back by user:default/grace.',
          ),
        }),
      }),
    ]);
  });

  it('notifies no one when two users share the author email, and says why', async () => {
    const t = peopleNotifier([
      user('ada', 'ada@example.com'),
      user('ada-alt', 'ADA@example.com'),
    ]);
    await t.sync(syncRun(), { initiatedBy: 'auto' }, live);
    expect(t.toPeople()).toEqual([]);
    expect(t.logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /ada@example\.com: 2 catalog users have it \(user:default\/ada, user:default\/ada-alt\)/,
      ),
    );
  });

  it('never lets the author text pick anyone but the one user with exactly that email', async () => {
    const t = peopleNotifier([
      user('ada', 'ada@example.com'),
      {
        ...user('group-like', 'ops@example.com'),
        kind: 'Group',
      },
    ]);
    for (const [i, author] of [
      'user:default/ada',
      'Ada <ada@example.com.evil>',
      'Ops <ops@example.com>',
      'Ada <ada@example.com> <x',
      `Long <${'a'.repeat(300)}@example.com>`,
    ].entries()) {
      await t.sync(
        syncRun({
          id: `run-${i}`,
          commit: { ...syncRun().commit, sha: `${i}`.repeat(40), author },
        }),
        { initiatedBy: 'auto' },
        {
          ...live,
          syncedRevision: `${i}`.repeat(40),
          targetRevision: `${i}`.repeat(40),
        },
      );
    }
    expect(t.toPeople()).toEqual([]);
  });

  it('stays silent on a replica that did not run the sync, and after another commit took over', async () => {
    const t = peopleNotifier([user('ada', 'ada@example.com')]);
    // Another replica ran it: only its status reaches this one.
    await t.status({ ...live, health: 'Degraded' });
    await t.status(live);
    expect(t.toPeople()).toEqual([]);

    const after = await t.sync(syncRun(), { initiatedBy: 'auto' }, live);
    expect(t.toPeople()).toHaveLength(1);
    // Someone synced another commit elsewhere: Ada's change is no longer live.
    const other = 'b'.repeat(40);
    await t.status({ ...after, syncedRevision: other, targetRevision: other });
    await t.status({ ...after, syncedRevision: other, health: 'Degraded' });
    expect(t.toPeople()).toHaveLength(1);
  });

  it('ignores dry runs and selective syncs', async () => {
    const t = peopleNotifier([user('ada', 'ada@example.com')]);
    await t.sync(
      syncRun({ dryRun: true }),
      { initiatedBy: 'user:default/bob', dryRun: true },
      live,
    );
    await t.sync(
      syncRun({ id: 'run-2' }),
      {
        initiatedBy: 'user:default/bob',
        resources: [{ kind: 'Deployment', name: 'web' }],
      },
      live,
    );
    expect(t.toPeople()).toEqual([]);
  });
});
