import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import knexFactory, { Knex } from 'knex';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { deployment } from '../__testUtils__/fixtures';
import { CatalogUsersByEmail } from './CatalogUsersByEmail';
import { GitopsNotifier } from './GitopsNotifier';

jest.setTimeout(180_000);

/*
 * The people behind a change, against the real engine: commits in a real
 * Git repository, synced to kube-sim (whose controllers roll Deployments
 * out, and never pull an image tagged `fail`), with a catalog of users.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/** A second connection to the same database, as another backend replica has. */
function secondConnection(knex: Knex): Knex {
  return knexFactory({
    ...(knex.client as any).config,
    pool: { min: 0, max: 5 },
  });
}

function user(name: string, email: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { profile: { email } },
  };
}

describe('GitopsNotifier with the engine', () => {
  const suite = kubeSimSuite('people');

  /** A notifier of the engine, told by this catalog, recording what it sends. */
  function notifierOf(
    engine: Parameters<GitopsNotifier['attach']>[0],
    users: Entity[],
  ) {
    const sent: NotificationSendOptions[] = [];
    const logger = mockServices.logger.mock();
    const notifier = new GitopsNotifier({
      notifications: {
        send: async options => {
          sent.push(options);
        },
      },
      owners: () => ['group:default/team-web'],
      logger,
      users: new CatalogUsersByEmail({
        catalog: catalogServiceMock({ entities: users }),
        auth: mockServices.auth(),
        logger,
      }),
    });
    const detach = notifier.attach(engine);
    suite.cleanups.push(async () => detach());
    /** What the people behind changes were sent (the owners hear of drift too). */
    const toPeople = () =>
      sent.filter(s => s.payload.scope?.includes(':change:'));
    return { toPeople, logger };
  }

  /** An engine for one application of a fresh repository, with its notifier. */
  async function setUp(name: string, users: Entity[]) {
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database: await databases.init('SQLITE_3'),
    });
    suite.cleanups.push(cleanup);
    const { toPeople, logger } = notifierOf(engine, users);
    const repo = new TestRepo(suite.root, name);
    repo.git('config', 'user.name', 'Ada');
    repo.git('config', 'user.email', 'ada@example.com');
    await engine.setApplications([spec(name, repo.fileUrl, 'deploy')]);
    await engine.start();
    return { engine, repo, toPeople, logger };
  }

  it('tells Ada, the author matched by email, and the person who synced when the change is live, then Degraded, then recovered, in one notification', async () => {
    const t = await setUp('live', [
      user('ada', 'ada@example.com'),
      user('grace', 'grace@example.com'),
    ]);
    const sha = t.repo.commit(
      { 'deploy/web.yaml': deployment('web', 'nginx:1.27') },
      'Serve the site',
    );
    await t.engine.refresh('live');
    await t.engine.sync('live', { initiatedBy: 'user:default/grace' });
    await waitFor('the change to be live', () => t.toPeople().length === 1);
    const scope = `gitops:live:change:${sha}`;
    expect(t.toPeople()[0]).toEqual({
      recipients: {
        type: 'entity',
        entityRef: ['user:default/ada', 'user:default/grace'],
      },
      payload: expect.objectContaining({
        title: `Change ${sha.slice(
          0,
          7,
        )} to component:default/live is live on dev`,
        description: expect.stringContaining(
          'Commit "Serve the site" by Ada <ada@example.com>.',
        ),
        link: '/catalog/default/component/live/deployments',
        severity: 'normal',
        scope,
      }),
    });

    // Someone changes the live image to one that never pulls.
    const k8s = clusterClient(suite.sim);
    const live = await k8s.get('apps/v1', 'Deployment', 'web', 'live');
    live.spec.template.spec.containers[0].image = 'nginx:fail';
    await k8s.replace(live);
    await waitFor('the Degraded notification', () => t.toPeople().length === 2);
    expect(t.toPeople()[1]).toMatchObject({
      recipients: { entityRef: ['user:default/ada', 'user:default/grace'] },
      payload: {
        title: `Change ${sha.slice(
          0,
          7,
        )} to component:default/live is Degraded on dev`,
        severity: 'high',
        scope,
      },
    });

    const again = await k8s.get('apps/v1', 'Deployment', 'web', 'live');
    again.spec.template.spec.containers[0].image = 'nginx:1.27';
    await k8s.replace(again);
    await waitFor('the recovery', () => t.toPeople().length === 3);
    expect(t.toPeople()[2].payload).toMatchObject({
      title: `Change ${sha.slice(
        0,
        7,
      )} to component:default/live recovered on dev`,
      severity: 'normal',
      scope,
    });
    // Three states of one change: one notification, updated in place.
    expect(new Set(t.toPeople().map(s => s.payload.scope)).size).toBe(1);
  });

  it('tells only the person who synced when no user, or more than one, has the author email', async () => {
    const t = await setUp('strangers', [
      user('grace', 'grace@example.com'),
      user('ada', 'ada@example.com'),
      user('ada-twin', 'Ada@Example.com'),
    ]);
    t.repo.git('config', 'user.email', 'nobody@example.com');
    t.repo.commit(
      { 'deploy/web.yaml': deployment('web', 'nginx:1.27') },
      'By a stranger',
    );
    await t.engine.refresh('strangers');
    await t.engine.sync('strangers', { initiatedBy: 'user:default/grace' });
    await waitFor('the first change to be live', () => t.toPeople().length);

    // Two users share Ada's address: neither is told, and the log says why.
    t.repo.git('config', 'user.email', 'ada@example.com');
    t.repo.commit(
      { 'deploy/web.yaml': deployment('web', 'nginx:1.27', 2) },
      'Two replicas',
    );
    await t.engine.refresh('strangers');
    await t.engine.sync('strangers', { initiatedBy: 'user:default/grace' });
    await waitFor(
      'the second change to be live',
      () => t.toPeople().length === 2,
    );
    expect(t.toPeople().map(s => s.recipients)).toEqual([
      { type: 'entity', entityRef: ['user:default/grace'] },
      { type: 'entity', entityRef: ['user:default/grace'] },
    ]);
    expect(t.logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'ada@example.com: 2 catalog users have it (user:default/ada, user:default/ada-twin)',
      ),
    );
  });

  it('tells the person who rolled back, and the author of the commit rolled back to', async () => {
    const t = await setUp('rollback', [
      user('ada', 'ada@example.com'),
      user('grace', 'grace@example.com'),
    ]);
    const v1 = t.repo.commit(
      { 'deploy/web.yaml': deployment('web', 'nginx:1.27') },
      'v1',
    );
    await t.engine.refresh('rollback');
    const first = await t.engine.sync('rollback', { initiatedBy: 'auto' });
    await waitFor('v1 to be live', () => t.toPeople().length === 1);
    // An automatic sync: the author alone.
    expect(t.toPeople()[0].recipients).toEqual({
      type: 'entity',
      entityRef: ['user:default/ada'],
    });
    t.repo.git('config', 'user.email', 'grace@example.com');
    t.repo.commit({ 'deploy/web.yaml': deployment('web', 'nginx:1.28') }, 'v2');
    await t.engine.refresh('rollback');
    await t.engine.sync('rollback', { initiatedBy: 'auto' });
    await waitFor('v2 to be live', () => t.toPeople().length === 2);

    await t.engine.rollback('rollback', first.id, 'user:default/bob');
    await waitFor('the rollback to be live', () => t.toPeople().length === 3);
    expect(t.toPeople()[2]).toEqual({
      recipients: {
        type: 'entity',
        entityRef: ['user:default/ada', 'user:default/bob'],
      },
      payload: expect.objectContaining({
        title: `Rollback of component:default/rollback to ${v1.slice(
          0,
          7,
        )} is live on dev`,
        description: expect.stringContaining(
          'Rolled back by user:default/bob.',
        ),
        scope: `gitops:rollback:change:${v1}`,
      }),
    });
  });
  it('tells the people once per state when two replicas see the change, from the replica that ran it', async () => {
    const database = await databases.init('POSTGRES_15');
    const other = secondConnection(database);
    const a = await createTestEngine({ sim: suite.sim, database });
    const b = await createTestEngine({ sim: suite.sim, database: other });
    suite.cleanups.push(a.cleanup, b.cleanup, () => other.destroy());
    const ada = [user('ada', 'ada@example.com')];
    const onA = notifierOf(a.engine, ada);
    const onB = notifierOf(b.engine, ada);
    const repo = new TestRepo(suite.root, 'replicated');
    repo.git('config', 'user.name', 'Ada');
    repo.commit(
      { 'deploy/web.yaml': deployment('web', 'nginx:1.27') },
      'Serve the site',
    );
    const app = spec('replicated', repo.fileUrl, 'deploy');
    for (const { engine } of [a, b]) {
      await engine.setApplications([app]);
      await engine.start();
      await engine.refresh('replicated');
    }
    await a.engine.sync('replicated', { initiatedBy: 'user:default/ada' });
    await waitFor('the change to be live', () => onA.toPeople().length === 1);

    const k8s = clusterClient(suite.sim);
    const live = await k8s.get('apps/v1', 'Deployment', 'web', 'replicated');
    live.spec.template.spec.containers[0].image = 'nginx:fail';
    await k8s.replace(live);
    await waitFor(
      'the Degraded notification',
      () => onA.toPeople().length === 2,
    );
    // The other replica saw it too, and said nothing.
    await waitFor(
      'the other replica to see the Degraded application',
      async () =>
        (await b.engine.refresh('replicated')).status.health === 'Degraded',
    );
    const again = await k8s.get('apps/v1', 'Deployment', 'web', 'replicated');
    again.spec.template.spec.containers[0].image = 'nginx:1.27';
    await k8s.replace(again);
    await waitFor('the recovery', () => onA.toPeople().length === 3);
    await waitFor(
      'the other replica to see the application Healthy',
      async () =>
        (await b.engine.refresh('replicated')).status.health === 'Healthy',
    );
    expect(onA.toPeople().map(s => s.payload.title)).toEqual([
      expect.stringMatching(/ is live on dev$/),
      expect.stringMatching(/ is Degraded on dev$/),
      expect.stringMatching(/ recovered on dev$/),
    ]);
    expect(onA.toPeople().map(s => s.recipients)).toEqual([
      { type: 'entity', entityRef: ['user:default/ada'] },
      { type: 'entity', entityRef: ['user:default/ada'] },
      { type: 'entity', entityRef: ['user:default/ada'] },
    ]);
    expect(onB.toPeople()).toEqual([]);
  });
});
