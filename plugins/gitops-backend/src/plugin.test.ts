import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import {
  clusterClient,
  startKubeSim,
  waitFor,
} from './__testUtils__/engineHarness';
import { configMap, deployment } from './__testUtils__/fixtures';
import { TestRepo, tempDir } from './__testUtils__/gitRepos';
import { gitopsPlugin } from './plugin';

jest.setTimeout(180_000);

/**
 * The whole plugin with the real engine, a simulated cluster and a Git
 * repository on disk: what a user of the REST API and webhook sees.
 */
describe('gitops plugin with the real engine', () => {
  const SECRET = 'webhook-secret-for-tests';
  let root: string;
  let sim: Awaited<ReturnType<typeof startKubeSim>>;
  let repo: TestRepo;
  let entities: Entity[];
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  const owner = mockCredentials.user.header('user:default/alice');

  const shop = (annotations: Record<string, string>): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'shop', namespace: 'default', annotations },
    spec: { type: 'service', owner: 'user:default/alice', lifecycle: 'x' },
    relations: [{ type: 'ownedBy', targetRef: 'user:default/alice' }],
  });

  beforeAll(async () => {
    root = tempDir('plugin');
    sim = await startKubeSim({ controllers: true });
    const kubeconfig = path.join(root, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig, { contextName: 'dev' });

    repo = new TestRepo(root, 'shop');
    repo.commit(
      {
        'deploy/web.yaml': deployment('web', 'registry.example.com/web:1.0.0'),
        'deploy/settings.yaml': configMap('settings', { color: 'blue' }),
      },
      'Deploy the shop',
    );
    entities = [
      shop({
        'mooring.dev/repo': repo.fileUrl,
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': 'deploy',
        'mooring.dev/namespace': 'default',
        'mooring.dev/revision': 'main',
        'mooring.dev/sync': 'auto',
      }),
    ];

    backend = await startTestBackend({
      features: [
        gitopsPlugin,
        schedulerServiceFactory,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: root },
            gitops: {
              kubeconfig,
              allowedRepos: [`file://${root}/**`],
              webhookSecret: SECRET,
              catalogSync: { interval: { seconds: 1 } },
              reconcile: { interval: { minutes: 10 } },
            },
          },
        }),
        catalogServiceMock.mock({
          getEntities: async req =>
            new InMemoryCatalogClient({ entities }).getEntities(req),
        }).factory,
        createServiceFactory({
          service: notificationService,
          deps: {},
          factory: () => ({ send: async () => {} }),
        }),
      ],
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await sim?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const ID = 'component~default~shop~default';
  const http = () => request(backend.server);
  const getApp = async (): Promise<Application | undefined> => {
    const res = await http()
      .get(`/api/gitops/applications/${ID}`)
      .set('Authorization', owner);
    return res.status === 200 ? res.body : undefined;
  };

  it('onboards the entity and syncs it to Synced and Healthy', async () => {
    const app = await waitFor(
      'the application to be Synced and Healthy',
      async () => {
        const a = await getApp();
        return a?.status.sync === 'Synced' && a.status.health === 'Healthy'
          ? a
          : undefined;
      },
      120_000,
    );
    expect(app.source).toEqual({
      repoUrl: repo.fileUrl,
      path: 'deploy',
      revision: 'main',
    });
    const k8s = clusterClient(sim);
    expect(
      (await k8s.get('v1', 'ConfigMap', 'settings', 'default')).data,
    ).toEqual({ color: 'blue' });

    const resources = await http()
      .get(`/api/gitops/applications/${ID}/resources`)
      .set('Authorization', owner);
    expect(resources.status).toBe(200);
    expect(
      resources.body.items.map((r: { kind: string }) => r.kind).sort(),
    ).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment']));

    const history = await http()
      .get(`/api/gitops/applications/${ID}/history`)
      .set('Authorization', owner);
    expect(history.body.items[0]).toMatchObject({
      phase: 'Succeeded',
      initiatedBy: 'auto',
      commit: {
        message: 'Deploy the shop',
        author: 'Ada Lovelace <ada@example.com>',
      },
    });
  });

  it('applies a pushed commit after a signed webhook', async () => {
    const head = repo.commit(
      { 'deploy/settings.yaml': configMap('settings', { color: 'green' }) },
      'Paint it green',
    );
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      after: head,
      repository: { clone_url: repo.fileUrl, default_branch: 'main' },
    });
    const signature = `sha256=${crypto
      .createHmac('sha256', SECRET)
      .update(body)
      .digest('hex')}`;
    const res = await http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', signature)
      .send(body);
    expect(res.status).toBe(202);
    expect(res.body.applications).toEqual([ID]);

    await waitFor('the pushed commit to be applied', async () => {
      const a = await getApp();
      return a?.status.syncedRevision === head && a.status.sync === 'Synced';
    });
    const k8s = clusterClient(sim);
    expect(
      (await k8s.get('v1', 'ConfigMap', 'settings', 'default')).data,
    ).toEqual({ color: 'green' });
    const history = await http()
      .get(`/api/gitops/applications/${ID}/history?limit=1`)
      .set('Authorization', owner);
    expect(history.body.items[0].initiatedBy).toBe('webhook');
  });

  it('runs a dry run and a sync for the owner, and 404s unknown applications', async () => {
    const dry = await http()
      .post(`/api/gitops/applications/${ID}/sync`)
      .set('Authorization', owner)
      .send({ dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.operation).toMatchObject({
      dryRun: true,
      initiatedBy: 'user:default/alice',
    });

    const sync = await http()
      .post(`/api/gitops/applications/${ID}/sync`)
      .set('Authorization', owner)
      .send({});
    // 409 when the engine is still busy with the webhook's sync, which is as good.
    expect([202, 409]).toContain(sync.status);
    await waitFor('the sync to finish', async () => {
      const runs: SyncRun[] = (
        await http()
          .get(`/api/gitops/applications/${ID}/history`)
          .set('Authorization', owner)
      ).body.items;
      return runs.every(r => r.phase !== 'Running');
    });

    const unknown = await http()
      .post('/api/gitops/applications/component~default~nope~default/sync')
      .set('Authorization', owner)
      .send({});
    expect(unknown.status).toBe(404);
  });

  it('drops the application when the entity loses its annotations, leaving the cluster alone', async () => {
    entities = [shop({})];
    await waitFor('the application to be removed', async () => {
      const res = await http()
        .get('/api/gitops/applications')
        .set('Authorization', owner);
      return res.body.items.length === 0;
    });
    expect(await getApp()).toBeUndefined();
    const k8s = clusterClient(sim);
    expect(
      await k8s.get('v1', 'ConfigMap', 'settings', 'default'),
    ).toBeDefined();
  });
});
