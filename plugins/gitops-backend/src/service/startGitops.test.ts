import {
  createBackendPlugin,
  createServiceFactory,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import type { Entity } from '@backstage/catalog-model';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  AuthorizePermissionRequest,
  AuthorizeResult,
} from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import type {
  Application,
  ApplicationResource,
  ResourceDiff,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import crypto from 'node:crypto';
import request from 'supertest';
import type {
  ApplicationSpec,
  EngineEvent,
  GitopsEngine,
  SyncOptions,
} from '../engine/types';
import { startGitopsServices, gitopsServicesDeps } from './startGitops';

jest.setTimeout(60_000);

/**
 * A test double of the engine: keeps applications in memory and records what
 * it was asked to do, so the tests can check what the API did and did not do.
 */
class InMemoryTestEngine implements GitopsEngine {
  specs: ApplicationSpec[] = [];
  readonly calls: string[] = [];
  readonly runs = new Map<string, SyncRun[]>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  running = new Set<string>();

  async setApplications(specs: ApplicationSpec[]) {
    this.specs = specs;
    this.calls.push(`setApplications ${specs.map(s => s.id).join(',')}`);
  }
  async listApplications() {
    return this.specs.map(s => this.toApplication(s));
  }
  async getApplication(id: string) {
    const spec = this.specs.find(s => s.id === id);
    if (!spec) throw new NotFoundError(`No application '${id}'`);
    return this.toApplication(spec);
  }
  async getResources(id: string): Promise<ApplicationResource[]> {
    await this.getApplication(id);
    return [
      {
        group: 'apps',
        version: 'v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
        sync: 'Synced',
        health: 'Healthy',
        healthMessage: '',
      },
    ];
  }
  async getDiff(id: string): Promise<ResourceDiff[]> {
    await this.getApplication(id);
    return [
      {
        group: 'apps',
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
        diff: '--- live\n+++ desired\n-  replicas: 1\n+  replicas: 2\n',
      },
    ];
  }
  async getHistory(id: string, options?: { limit?: number }) {
    await this.getApplication(id);
    const runs = [...(this.runs.get(id) ?? [])].reverse();
    return options?.limit ? runs.slice(0, options.limit) : runs;
  }
  async sync(id: string, options: SyncOptions) {
    await this.getApplication(id);
    if (this.running.has(id)) {
      throw new ConflictError(`A sync of ${id} is already running`);
    }
    if (options.revision === 'no-such-branch') {
      throw new InputError(`Revision 'no-such-branch' does not exist`);
    }
    this.calls.push(`sync ${id} by ${options.initiatedBy}`);
    const run: SyncRun = {
      id: `run-${(this.runs.get(id)?.length ?? 0) + 1}`,
      revision: options.revision ?? 'abc123',
      commit: { sha: 'abc123', author: 'Ada', message: 'm', date: '' },
      startedAt: new Date().toISOString(),
      phase: options.dryRun ? 'Succeeded' : 'Running',
      initiatedBy: options.initiatedBy,
      message: '',
      dryRun: options.dryRun,
      changes: [],
    };
    this.runs.set(id, [...(this.runs.get(id) ?? []), run]);
    return run;
  }
  async rollback(id: string, runId: string, initiatedBy: string) {
    const past = (this.runs.get(id) ?? []).find(r => r.id === runId);
    if (!past) throw new NotFoundError(`No run '${runId}' of ${id}`);
    return this.sync(id, { revision: past.revision, initiatedBy });
  }
  async refresh(id: string) {
    const app = await this.getApplication(id);
    this.calls.push(`refresh ${id}`);
    return app;
  }
  async refreshRepo(): Promise<Application[]> {
    throw new Error('not used');
  }
  subscribe(listener: (e: EngineEvent) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: EngineEvent) {
    this.listeners.forEach(l => l(event));
  }
  toApplication(spec: ApplicationSpec): Application {
    const { pruneOnRemove: _, ...policy } = spec.policy;
    return {
      id: spec.id,
      entityRef: spec.entityRef,
      target: spec.target,
      source: spec.source,
      destination: spec.destination,
      policy,
      status: { sync: 'Synced', health: 'Healthy', message: '' },
    };
  }
}

const REPO = 'https://git.example.com/team/payments.git';

function component(
  name: string,
  owner: string,
  annotations: Record<string, string>,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner, lifecycle: 'production' },
    relations: [
      {
        type: 'ownedBy',
        targetRef: owner.includes(':') ? owner : `group:default/${owner}`,
      },
    ],
  };
}

const payments = component('payments', 'user:default/alice', {
  'mooring.dev/targets': 'staging,prod',
  'mooring.dev/repo': REPO,
  'mooring.dev/cluster.staging': 'dev',
  'mooring.dev/cluster.prod': 'prod',
  'mooring.dev/path.staging': 'deploy/staging',
  'mooring.dev/path.prod': 'deploy/prod',
  'mooring.dev/sync.staging': 'auto',
});
const web = component('web', 'team-web', {
  'mooring.dev/cluster': 'dev',
  'mooring.dev/path': 'deploy',
  'mooring.dev/repo': 'https://git.example.com/team/web.git',
  'mooring.dev/revision': 'main',
});
const broken = component('broken', 'team-web', {
  'mooring.dev/cluster': 'moon',
  'mooring.dev/repo': 'https://elsewhere.example.org/x.git',
});

/** Who owns what, as the default policy sees it through the catalog. */
const memberships: Record<string, string[]> = {
  'user:default/alice': ['user:default/alice'],
  'user:default/bob': ['user:default/bob', 'group:default/team-web'],
  'user:default/mallory': ['user:default/mallory'],
};
const blockedReaders = new Set(['user:default/eve']);

/**
 * Permission decisions as Mooring's default policy makes them: services are
 * allowed (as Backstage allows service calls), everyone reads, owners and
 * members of owning groups sync.
 */
function decide(
  credentials: BackstageCredentials,
  req: AuthorizePermissionRequest,
  entities: Entity[],
) {
  const principal = credentials.principal as any;
  if (principal.type === 'service') return { result: AuthorizeResult.ALLOW };
  const user = principal.userEntityRef as string;
  if (req.permission.name === 'gitops.application.read') {
    return {
      result: blockedReaders.has(user)
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
    };
  }
  const entity = entities.find(
    e =>
      `component:default/${e.metadata.name}` ===
      (req as { resourceRef?: string }).resourceRef,
  );
  const owners = (entity?.relations ?? []).map(r => r.targetRef);
  const claims = memberships[user] ?? [user];
  return {
    result: owners.some(o => claims.includes(o))
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY,
  };
}

const WEBHOOK_SECRET = 'shh-its-a-secret';

async function startBackend(initialEntities: Entity[]) {
  const engine = new InMemoryTestEngine();
  let entities = initialEntities;
  const authorizeCalls: AuthorizePermissionRequest[][] = [];
  const permissions = mockServices.permissions.mock({
    authorize: async (reqs, options) => {
      authorizeCalls.push(reqs as AuthorizePermissionRequest[]);
      return reqs.map(r =>
        decide(
          (options as { credentials: BackstageCredentials }).credentials,
          r as AuthorizePermissionRequest,
          entities,
        ),
      ) as any;
    },
  });
  const catalog = catalogServiceMock.mock({
    getEntities: async req =>
      new InMemoryCatalogClient({ entities }).getEntities(req),
  });
  const notifications = { send: jest.fn(async () => {}) };
  const auditEvents: Array<{ eventId: string; outcome: string; meta: any }> =
    [];
  const auditor = mockServices.auditor.mock({
    createEvent: async options => ({
      success: async () => {
        auditEvents.push({
          eventId: options.eventId,
          outcome: 'success',
          meta: options.meta,
        });
      },
      fail: async () => {
        auditEvents.push({
          eventId: options.eventId,
          outcome: 'failure',
          meta: options.meta,
        });
      },
    }),
  });
  const actions = actionsRegistryServiceMock();

  let resolveStarted: () => void;
  const started = new Promise<void>(r => {
    resolveStarted = r;
  });
  const testPlugin = createBackendPlugin({
    pluginId: 'gitops',
    register(env) {
      env.registerInit({
        deps: gitopsServicesDeps,
        async init(deps) {
          await startGitopsServices({ ...deps, engine });
          resolveStarted();
        },
      });
    },
  });

  const backend = await startTestBackend({
    features: [
      testPlugin,
      // The real scheduler, so the catalog is read again and again as in production.
      schedulerServiceFactory,
      mockServices.rootConfig.factory({
        data: {
          gitops: {
            clusters: [
              { name: 'dev', url: 'https://127.0.0.1:1', skipTLSVerify: true },
              { name: 'prod', url: 'https://127.0.0.1:2', skipTLSVerify: true },
            ],
            allowedRepos: ['https://git.example.com/**'],
            webhookSecret: WEBHOOK_SECRET,
            catalogSync: { interval: { seconds: 1 } },
          },
        },
      }),
      permissions.factory,
      catalog.factory,
      auditor.factory,
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => notifications,
      }),
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => actions,
      }),
    ],
  });
  await started;
  await waitFor(() => engine.specs.length > 0 || entities.length === 0);

  return {
    engine,
    backend,
    http: () => request(backend.server),
    setEntities: (next: Entity[]) => {
      entities = next;
    },
    authorizeCalls,
    notifications,
    auditEvents,
    actions,
  };
}

async function waitFor(check: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting');
    await new Promise(r => setTimeout(r, 100));
  }
}

const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');
const mallory = mockCredentials.user.header('user:default/mallory');
const eve = mockCredentials.user.header('user:default/eve');
const service = mockCredentials.service.header();

const PROD = 'component~default~payments~prod';
const STAGING = 'component~default~payments~staging';
const WEB = 'component~default~web~default';

describe('gitops REST API', () => {
  let t: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => {
    t = await startBackend([payments, web, broken]);
  });
  afterAll(async () => {
    await t.backend.stop();
  });

  it('lists the applications onboarded from the catalog, with annotation errors', async () => {
    const res = await t
      .http()
      .get('/api/gitops/applications')
      .set('Authorization', alice);
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: Application) => a.id).sort()).toEqual([
      PROD,
      STAGING,
      WEB,
    ]);
    const prod = res.body.items.find((a: Application) => a.id === PROD);
    expect(prod).toMatchObject({
      entityRef: 'component:default/payments',
      target: 'prod',
      source: { repoUrl: REPO, path: 'deploy/prod', revision: '' },
      destination: { cluster: 'prod', namespace: 'default' },
      policy: { sync: 'manual', prune: false, selfHeal: false },
    });
    expect(res.body.errors).toEqual([
      {
        entityRef: 'component:default/broken',
        annotation: 'mooring.dev/cluster',
        message: expect.stringContaining("cluster 'moon'"),
      },
      {
        entityRef: 'component:default/broken',
        annotation: 'mooring.dev/path',
        message: expect.stringContaining('No path'),
      },
      {
        entityRef: 'component:default/broken',
        annotation: 'mooring.dev/repo',
        message: expect.stringContaining('not in gitops.allowedRepos'),
      },
    ]);
  });

  it('filters the list by entityRef and checks permissions in one call', async () => {
    t.authorizeCalls.length = 0;
    const res = await t
      .http()
      .get('/api/gitops/applications')
      .query({ entityRef: 'component:default/payments' })
      .set('Authorization', bob);
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: Application) => a.target).sort()).toEqual([
      'prod',
      'staging',
    ]);
    expect(res.body.errors).toEqual([]);
    expect(t.authorizeCalls).toHaveLength(1);

    const bad = await t
      .http()
      .get('/api/gitops/applications')
      .query({ entityRef: 'component:' })
      .set('Authorization', bob);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('is not an entity ref');
  });

  it('hides applications from callers who may not read them', async () => {
    const res = await t
      .http()
      .get('/api/gitops/applications')
      .set('Authorization', eve);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], errors: [] });
    const one = await t
      .http()
      .get(`/api/gitops/applications/${PROD}`)
      .set('Authorization', eve);
    expect(one.status).toBe(403);
    expect(one.body.error.name).toBe('NotAllowedError');
  });

  it('needs a Backstage token', async () => {
    const res = await t
      .http()
      .get('/api/gitops/applications')
      .set('Authorization', mockCredentials.none.header());
    expect(res.status).toBe(401);
  });

  it.each([
    ['', (body: any) => expect(body.id).toBe(PROD)],
    [
      '/resources',
      (body: any) => expect(body.items[0].kind).toBe('Deployment'),
    ],
    [
      '/diff',
      (body: any) => expect(body.items[0].diff).toContain('+++ desired'),
    ],
    ['/history', (body: any) => expect(body.items).toEqual(expect.any(Array))],
  ])(
    'GET /applications/:id%s answers readers, 404s unknown ids and 403s others',
    async (suffix, check) => {
      const ok = await t
        .http()
        .get(`/api/gitops/applications/${PROD}${suffix}`)
        .set('Authorization', mallory);
      expect(ok.status).toBe(200);
      check(ok.body);

      const missing = await t
        .http()
        .get(`/api/gitops/applications/component~default~nope~prod${suffix}`)
        .set('Authorization', alice);
      expect(missing.status).toBe(404);

      const denied = await t
        .http()
        .get(`/api/gitops/applications/${PROD}${suffix}`)
        .set('Authorization', eve);
      expect(denied.status).toBe(403);
    },
  );

  it('validates history limits against the spec', async () => {
    const res = await t
      .http()
      .get(`/api/gitops/applications/${PROD}/history?limit=0`)
      .set('Authorization', alice);
    expect(res.status).toBe(400);
  });

  describe('sync', () => {
    it('lets the owner sync, records who, and audits it', async () => {
      t.auditEvents.length = 0;
      const res = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/sync`)
        .set('Authorization', alice)
        .send({ revision: 'v1.2.0', prune: true });
      expect(res.status).toBe(202);
      expect(res.body.operation).toMatchObject({
        phase: 'Running',
        revision: 'v1.2.0',
        initiatedBy: 'user:default/alice',
        prune: true,
        dryRun: false,
      });
      expect(t.engine.calls).toContain(`sync ${PROD} by user:default/alice`);
      expect(t.auditEvents).toEqual([
        {
          eventId: 'application-sync',
          outcome: 'success',
          meta: expect.objectContaining({
            applicationId: PROD,
            revision: 'v1.2.0',
          }),
        },
      ]);
    });

    it('lets a member of the owning group sync', async () => {
      const res = await t
        .http()
        .post(`/api/gitops/applications/${WEB}/sync`)
        .set('Authorization', bob)
        .send({});
      expect(res.status).toBe(202);
      expect(t.engine.calls).toContain(`sync ${WEB} by user:default/bob`);
    });

    it('refuses a stranger with 403, leaves the app alone and audits the refusal', async () => {
      t.auditEvents.length = 0;
      const before = t.engine.calls.length;
      const res = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/sync`)
        .set('Authorization', bob)
        .send({});
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(
        'gitops.application.sync on component:default/payments is denied',
      );
      expect(t.engine.calls.length).toBe(before);
      expect(t.auditEvents).toEqual([
        expect.objectContaining({
          eventId: 'application-sync',
          outcome: 'failure',
        }),
      ]);
    });

    it('lets services sync', async () => {
      const res = await t
        .http()
        .post(`/api/gitops/applications/${STAGING}/sync`)
        .set('Authorization', service)
        .send({ dryRun: true });
      expect(res.status).toBe(200);
      expect(res.body.operation).toMatchObject({
        dryRun: true,
        phase: 'Succeeded',
        initiatedBy: 'service:external:test-service',
      });
    });

    it('answers 400 for bad bodies, 404 for unknown apps and 409 for a running sync', async () => {
      for (const body of [
        { revision: 42 },
        { prune: 'yes' },
        { force: true },
        [1],
      ]) {
        const res = await t
          .http()
          .post(`/api/gitops/applications/${PROD}/sync`)
          .set('Authorization', alice)
          .send(body as object);
        expect(res.status).toBe(400);
      }
      const truncated = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/sync`)
        .set('Authorization', alice)
        .set('Content-Type', 'application/json')
        .send('{"revision":');
      expect(truncated.status).toBe(400);

      const unknown = await t
        .http()
        .post('/api/gitops/applications/component~default~nope~prod/sync')
        .set('Authorization', alice)
        .send({});
      expect(unknown.status).toBe(404);

      t.engine.running.add(PROD);
      try {
        const busy = await t
          .http()
          .post(`/api/gitops/applications/${PROD}/sync`)
          .set('Authorization', alice)
          .send({});
        expect(busy.status).toBe(409);
        expect(busy.body.error.message).toContain('already running');
      } finally {
        t.engine.running.delete(PROD);
      }
    });
  });

  describe('rollback and refresh', () => {
    it('rolls back to a past run for the owner, audited', async () => {
      t.auditEvents.length = 0;
      const history = await t
        .http()
        .get(`/api/gitops/applications/${PROD}/history`)
        .set('Authorization', alice);
      const runId = history.body.items.at(-1).id;
      const res = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/rollback`)
        .set('Authorization', alice)
        .send({ runId });
      expect(res.status).toBe(202);
      expect(res.body.operation.initiatedBy).toBe('user:default/alice');
      expect(t.auditEvents[0]).toMatchObject({
        eventId: 'application-rollback',
        outcome: 'success',
        meta: { runId },
      });
    });

    it('rejects rollbacks without a run id, of unknown runs, and by strangers', async () => {
      const noBody = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/rollback`)
        .set('Authorization', alice)
        .send({});
      expect(noBody.status).toBe(400);
      const unknownRun = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/rollback`)
        .set('Authorization', alice)
        .send({ runId: 'run-999' });
      expect(unknownRun.status).toBe(404);
      const stranger = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/rollback`)
        .set('Authorization', mallory)
        .send({ runId: 'run-1' });
      expect(stranger.status).toBe(403);
    });

    it('refreshes for owners only, audited', async () => {
      t.auditEvents.length = 0;
      const ok = await t
        .http()
        .post(`/api/gitops/applications/${WEB}/refresh`)
        .set('Authorization', bob);
      expect(ok.status).toBe(200);
      expect(ok.body.id).toBe(WEB);
      const denied = await t
        .http()
        .post(`/api/gitops/applications/${WEB}/refresh`)
        .set('Authorization', alice);
      expect(denied.status).toBe(403);
      expect(t.auditEvents.map(e => [e.eventId, e.outcome])).toEqual([
        ['application-refresh', 'success'],
        ['application-refresh', 'failure'],
      ]);
    });
  });
});

function sign(body: string, secret = WEBHOOK_SECRET) {
  return `sha256=${crypto
    .createHmac('sha256', secret)
    .update(body)
    .digest('hex')}`;
}

describe('gitops webhook', () => {
  let t: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => {
    t = await startBackend([payments, web]);
  });
  afterAll(async () => {
    await t.backend.stop();
  });

  const githubPush = JSON.stringify({
    ref: 'refs/heads/main',
    after: 'def456',
    repository: {
      clone_url: REPO,
      ssh_url: 'git@git.example.com:team/payments.git',
      html_url: 'https://git.example.com/team/payments',
      default_branch: 'main',
    },
  });

  async function refreshed(ids: string[]) {
    await waitFor(() =>
      ids.every(id => t.engine.calls.includes(`refresh ${id}`)),
    );
  }

  it('accepts a signed GitHub push without a Backstage token and refreshes the affected apps', async () => {
    const res = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(githubPush))
      .send(githubPush);
    expect(res.status).toBe(202);
    expect(res.body.applications.sort()).toEqual([PROD, STAGING]);
    await refreshed([PROD, STAGING]);
    expect(t.engine.calls).not.toContain(`refresh ${WEB}`);
  });

  it('rejects unsigned and wrongly signed GitHub pushes with 401 and refreshes nothing', async () => {
    const before = t.engine.calls.length;
    const unsigned = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .send(githubPush);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.message).toContain('not signed');

    const wrong = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(githubPush, 'another-secret'))
      .send(githubPush);
    expect(wrong.status).toBe(401);

    const tampered = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(githubPush))
      .send(githubPush.replace('main', 'evil'));
    expect(tampered.status).toBe(401);

    const anonymous = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .send(githubPush);
    expect(anonymous.status).toBe(401);
    expect(t.engine.calls.length).toBe(before);
  });

  it('accepts GitLab pushes with the right token only', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      project: {
        git_http_url: 'https://git.example.com/team/web.git',
        default_branch: 'main',
      },
    });
    const ok = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-Gitlab-Event', 'Push Hook')
      .set('X-Gitlab-Token', WEBHOOK_SECRET)
      .send(body);
    expect(ok.status).toBe(202);
    expect(ok.body.applications).toEqual([WEB]);
    await refreshed([WEB]);

    for (const token of ['wrong', undefined]) {
      const req = t
        .http()
        .post('/api/gitops/webhook')
        .set('Content-Type', 'application/json')
        .set('X-Gitlab-Event', 'Push Hook');
      const res = await (token ? req.set('X-Gitlab-Token', token) : req).send(
        body,
      );
      expect(res.status).toBe(401);
    }
  });

  it('accepts Gitea pushes signed with X-Gitea-Signature', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/develop',
      repository: { clone_url: REPO, default_branch: 'main' },
    });
    const hex = sign(body).slice('sha256='.length);
    const ok = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-Gitea-Event', 'push')
      .set('X-Gitea-Signature', hex)
      .send(body);
    expect(ok.status).toBe(202);
    // payments follows the default branch (main), so a push to develop touches nothing.
    expect(ok.body.applications).toEqual([]);

    const bad = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-Gitea-Event', 'push')
      .set('X-Gitea-Signature', '00'.repeat(32))
      .send(body);
    expect(bad.status).toBe(401);
  });

  it('ignores signed non-push events and rejects signed bodies that are not push events', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.' });
    const res = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'ping')
      .set('X-Hub-Signature-256', sign(ping))
      .send(ping);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ applications: [], ignored: 'ping event' });

    const notJson = 'not json';
    const bad = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(notJson))
      .send(notJson);
    expect(bad.status).toBe(400);
  });
});

describe('catalog onboarding', () => {
  it('follows new, changed and removed entities without a restart', async () => {
    const t = await startBackend([payments]);
    try {
      expect(t.engine.specs.map(s => s.id).sort()).toEqual([PROD, STAGING]);

      // A new entity becomes a new application.
      t.setEntities([payments, web]);
      await waitFor(() => t.engine.specs.some(s => s.id === WEB));

      // A changed entity changes its application.
      const moved = component('web', 'team-web', {
        ...web.metadata.annotations,
        'mooring.dev/path': 'deploy/v2',
        'mooring.dev/sync': 'auto',
      });
      t.setEntities([payments, moved]);
      await waitFor(
        () =>
          t.engine.specs.find(s => s.id === WEB)?.source.path === 'deploy/v2',
      );
      expect(t.engine.specs.find(s => s.id === WEB)?.policy.sync).toBe('auto');

      // A removed target and a removed entity remove their applications.
      const prodOnly = component('payments', 'user:default/alice', {
        ...payments.metadata.annotations,
        'mooring.dev/targets': 'prod',
        'mooring.dev/cluster.staging': '',
      });
      delete prodOnly.metadata.annotations!['mooring.dev/cluster.staging'];
      delete prodOnly.metadata.annotations!['mooring.dev/path.staging'];
      delete prodOnly.metadata.annotations!['mooring.dev/sync.staging'];
      t.setEntities([prodOnly]);
      await waitFor(() => t.engine.specs.map(s => s.id).join() === PROD);

      const res = await t
        .http()
        .get('/api/gitops/applications')
        .set('Authorization', alice);
      expect(res.body.items.map((a: Application) => a.id)).toEqual([PROD]);
    } finally {
      await t.backend.stop();
    }
  });

  it('reports annotation errors the catalog recorded for an edit it did not accept', async () => {
    // The catalog sets `status` (AlphaEntity); plain `Entity` leaves it out.
    const stale = {
      ...web,
      status: {
        items: [
          {
            type: 'backstage.io/catalog-processing',
            level: 'error',
            message: 'InputError: bad',
            error: {
              name: 'MooringAnnotationError',
              message:
                "mooring.dev/cluster names cluster 'moon', which Mooring does not know",
            },
          },
        ],
      },
    } as Entity;
    const t = await startBackend([stale]);
    try {
      const res = await t
        .http()
        .get('/api/gitops/applications')
        .query({ entityRef: 'component:default/web' })
        .set('Authorization', bob);
      expect(res.body.items.map((a: Application) => a.id)).toEqual([WEB]);
      expect(res.body.errors).toEqual([
        {
          entityRef: 'component:default/web',
          annotation: 'mooring.dev/cluster',
          message: expect.stringContaining(
            "The catalog did not accept the latest edit of this entity: mooring.dev/cluster names cluster 'moon'",
          ),
        },
      ]);
    } finally {
      await t.backend.stop();
    }
  });
});

describe('notifications', () => {
  it('notifies the owners once per failure episode and once per drift episode', async () => {
    const t = await startBackend([payments, web]);
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
      await waitFor(() => t.notifications.send.mock.calls.length >= 1);
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
      await waitFor(() => t.notifications.send.mock.calls.length >= 2);

      t.engine.emit({ type: 'driftDetected', application: app });
      t.engine.emit({ type: 'driftDetected', application: app });
      await waitFor(() => t.notifications.send.mock.calls.length >= 3);
      t.engine.emit({ type: 'driftResolved', application: app });
      t.engine.emit({ type: 'driftDetected', application: app });
      await waitFor(() => t.notifications.send.mock.calls.length >= 4);
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

describe('actions', () => {
  let t: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => {
    t = await startBackend([payments, web]);
  });
  afterAll(async () => {
    await t.backend.stop();
  });

  const asUser = (ref: string) => mockCredentials.user(ref);

  it('registers get status, list history and sync', async () => {
    const { actions } = await t.actions.list();
    expect(actions.map(a => a.name).sort()).toEqual([
      'get-application-status',
      'list-application-history',
      'sync-application',
    ]);
  });

  it('gets the status of every target of an entity', async () => {
    const { output } = await t.actions.invoke({
      id: 'test:get-application-status',
      input: { entityRef: 'component:default/payments' },
      credentials: asUser('user:default/mallory'),
    });
    expect(
      (output as any).applications.map((a: Application) => a.target).sort(),
    ).toEqual(['prod', 'staging']);
    await expect(
      t.actions.invoke({
        id: 'test:get-application-status',
        input: { entityRef: 'component:default/payments' },
        credentials: asUser('user:default/eve'),
      }),
    ).rejects.toThrow(/denied/);
    await expect(
      t.actions.invoke({
        id: 'test:get-application-status',
        input: { entityRef: 'component:default/payments', target: 'qa' },
        credentials: asUser('user:default/alice'),
      }),
    ).rejects.toThrow(/has no target 'qa'; its targets: prod, staging/);
  });

  it('syncs with the same permissions as the API, and lists history', async () => {
    await expect(
      t.actions.invoke({
        id: 'test:sync-application',
        input: { entityRef: 'component:default/payments', target: 'prod' },
        credentials: asUser('user:default/mallory'),
      }),
    ).rejects.toThrow(
      /gitops.application.sync on component:default\/payments is denied/,
    );
    expect(t.engine.calls.some(c => c.startsWith(`sync ${PROD}`))).toBe(false);

    const { output } = await t.actions.invoke({
      id: 'test:sync-application',
      input: { applicationId: PROD },
      credentials: asUser('user:default/alice'),
    });
    expect((output as any).operation).toMatchObject({
      phase: 'Running',
      initiatedBy: 'user:default/alice',
    });

    const history = await t.actions.invoke({
      id: 'test:list-application-history',
      input: { applicationId: PROD },
      credentials: asUser('user:default/mallory'),
    });
    expect((history.output as any).runs).toHaveLength(1);
  });
});

describe('many applications', () => {
  it('lists a thousand applications with one permission request', async () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      component(`svc-${i}`, i % 2 ? 'team-web' : 'user:default/alice', {
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': 'deploy',
        'mooring.dev/repo': `https://git.example.com/team/svc-${i}.git`,
      }),
    );
    const t = await startBackend(many);
    try {
      await waitFor(() => t.engine.specs.length === 1000);
      t.authorizeCalls.length = 0;
      const res = await t
        .http()
        .get('/api/gitops/applications')
        .set('Authorization', bob);
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(1000);
      expect(t.authorizeCalls).toHaveLength(1);
      expect(t.authorizeCalls[0]).toHaveLength(1000);
    } finally {
      await t.backend.stop();
    }
  });
});
