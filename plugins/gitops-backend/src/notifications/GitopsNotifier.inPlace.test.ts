import {
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  notificationService,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import notificationsPlugin from '@backstage/plugin-notifications-backend';
import request from 'supertest';
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
 * One change, followed from Git through the engine and kube-sim to the real
 * notifications backend, read back as Ada reads it: her notification is one
 * row whose title follows the change, unread again when the state moves.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const users: Entity[] = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'ada', namespace: 'default' },
    spec: { profile: { email: 'ada@example.com' } },
  },
];

/** The notifications backend, and the notification service plugins get. */
async function startNotificationsBackend() {
  let service: NotificationService | undefined;
  const probe = createBackendPlugin({
    pluginId: 'gitops',
    register(env) {
      env.registerInit({
        deps: { notifications: notificationService },
        async init({ notifications }) {
          service = notifications;
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      notificationsPlugin,
      probe,
      catalogServiceMock.factory({ entities: users }),
      mockServices.rootConfig.factory({
        data: { app: { baseUrl: 'http://localhost:3000' } },
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => {} }),
      }),
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => actionsRegistryServiceMock(),
      }),
    ],
  });
  const ada = mockCredentials.user.header('user:default/ada');
  return {
    backend,
    service: service!,
    /** Ada's notifications, as her notifications page asks for them. */
    async adasNotifications(): Promise<
      Array<{ id: string; read?: string | null; payload: any }>
    > {
      const response = await request(backend.server)
        .get('/api/notifications/notifications')
        .set('Authorization', ada);
      expect(response.status).toBe(200);
      return response.body.notifications;
    },
    async markRead(id: string) {
      const response = await request(backend.server)
        .post('/api/notifications/notifications/update')
        .set('Authorization', ada)
        .send({ ids: [id], read: true });
      expect(response.status).toBe(200);
    },
  };
}

describe('GitopsNotifier and the notifications backend', () => {
  const suite = kubeSimSuite('in-place');

  it('keeps one notification per change for Ada, its title saying where the change is now', async () => {
    const notifications = await startNotificationsBackend();
    suite.cleanups.push(() => notifications.backend.stop());
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database: await databases.init('SQLITE_3'),
    });
    suite.cleanups.push(cleanup);
    const logger = mockServices.logger.mock();
    const notifier = new GitopsNotifier({
      notifications: notifications.service,
      owners: () => [],
      logger,
      users: new CatalogUsersByEmail({
        catalog: catalogServiceMock({ entities: users }),
        auth: mockServices.auth(),
        logger,
      }),
    });
    const detach = notifier.attach(engine);
    suite.cleanups.push(async () => detach());

    const repo = new TestRepo(suite.root, 'site');
    repo.git('config', 'user.name', 'Ada');
    const sha = repo.commit(
      { 'deploy/web.yaml': deployment('web', 'nginx:1.27') },
      'Serve the site',
    );
    await engine.setApplications([spec('site', repo.fileUrl, 'deploy')]);
    await engine.start();
    await engine.refresh('site');
    await engine.sync('site', { initiatedBy: 'auto' });

    const change = `Change ${sha.slice(0, 7)} to component:default/site`;
    const [live] = await waitFor('Ada to hear the change is live', async () => {
      const list = await notifications.adasNotifications();
      return list.length === 1 && list;
    });
    expect(live.payload).toMatchObject({
      title: `${change} is live on dev`,
      link: '/catalog/default/component/site/deployments',
      topic: 'gitops',
      scope: `gitops:site:change:${sha}`,
      severity: 'normal',
    });
    await notifications.markRead(live.id);
    expect((await notifications.adasNotifications())[0].read).toBeTruthy();

    // Someone sets an image that never pulls.
    const k8s = clusterClient(suite.sim);
    const object = await k8s.get('apps/v1', 'Deployment', 'web', 'site');
    object.spec.template.spec.containers[0].image = 'nginx:fail';
    await k8s.replace(object);
    const [degraded] = await waitFor('the Degraded update', async () => {
      const list = await notifications.adasNotifications();
      return list[0]?.payload.title === `${change} is Degraded on dev` && list;
    });
    expect(await notifications.adasNotifications()).toHaveLength(1);
    expect(degraded.id).toBe(live.id);
    expect(degraded.payload.severity).toBe('high');
    // Updated in place, and unread again.
    expect(degraded.read ?? null).toBeNull();

    const again = await k8s.get('apps/v1', 'Deployment', 'web', 'site');
    again.spec.template.spec.containers[0].image = 'nginx:1.27';
    await k8s.replace(again);
    await waitFor('the recovery', async () => {
      const list = await notifications.adasNotifications();
      return (
        list.length === 1 &&
        list[0].id === live.id &&
        list[0].payload.title === `${change} recovered on dev`
      );
    });
  });
});
