import { mockCredentials } from '@backstage/backend-test-utils';
import type { Application } from '@mooring/plugin-gitops-common';
import {
  alice,
  bob,
  broken,
  component,
  eve,
  trent,
  GitopsTestBackend,
  mallory,
  payments,
  PROD,
  REPO,
  service,
  STAGING,
  startGitopsTestBackend,
  WEB,
  web,
} from '../__testUtils__/gitopsTestBackend';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

describe('gitops REST API', () => {
  let t: GitopsTestBackend;
  beforeAll(async () => {
    t = await startGitopsTestBackend([payments, web, broken]);
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

  it('takes the entityRef as a person types it, with : and / unencoded', async () => {
    const res = await t
      .http()
      .get('/api/gitops/applications?entityRef=component:default/payments')
      .set('Authorization', alice);
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: Application) => a.id).sort()).toEqual([
      PROD,
      STAGING,
    ]);

    const short = await t
      .http()
      .get('/api/gitops/applications?entityRef=default/web')
      .set('Authorization', alice);
    expect(short.status).toBe(200);
    expect(short.body.items.map((a: Application) => a.id)).toEqual([WEB]);

    const encoded = await t
      .http()
      .get('/api/gitops/applications?entityRef=component%3Adefault%2Fweb')
      .set('Authorization', alice);
    expect(encoded.body.items.map((a: Application) => a.id)).toEqual([WEB]);
  });

  it('serves its OpenAPI spec', async () => {
    const res = await t
      .http()
      .get('/api/gitops/openapi.json')
      .set('Authorization', alice);
    expect(res.status).toBe(200);
    expect(res.body.paths['/api/gitops/applications']).toBeDefined();
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

  it('shows no deployment of an entity the caller may not read in the catalog', async () => {
    const list = await t
      .http()
      .get('/api/gitops/applications')
      .set('Authorization', trent);
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).not.toContain(WEB);
    expect(list.body.items.map((a: { id: string }) => a.id)).toContain(PROD);
    for (const path of ['', '/diff', '/resources', '/history']) {
      const res = await t
        .http()
        .get(`/api/gitops/applications/${WEB}${path}`)
        .set('Authorization', trent);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain(
        'catalog.entity.read on component:default/web is denied',
      );
    }
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

  describe('suspend, resume and terminate', () => {
    it('suspends and resumes for the owner, with the reason, audited', async () => {
      t.auditEvents.length = 0;
      const suspended = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/suspend`)
        .set('Authorization', alice)
        .send({ reason: '  Load test until noon ' });
      expect(suspended.status).toBe(200);
      expect(suspended.body.status.automation).toEqual({
        suspended: true,
        reason: 'Load test until noon',
        by: 'user:default/alice',
        at: expect.any(String),
      });
      expect(t.engine.calls).toContain(`suspend ${PROD} by user:default/alice`);

      const resumed = await t
        .http()
        .post(`/api/gitops/applications/${PROD}/resume`)
        .set('Authorization', alice);
      expect(resumed.status).toBe(200);
      expect(resumed.body.status.automation).toBeUndefined();
      expect(t.auditEvents).toEqual([
        {
          eventId: 'application-suspend',
          outcome: 'success',
          meta: expect.objectContaining({
            applicationId: PROD,
            initiatedBy: 'user:default/alice',
            reason: 'Load test until noon',
          }),
        },
        {
          eventId: 'application-resume',
          outcome: 'success',
          meta: expect.objectContaining({ applicationId: PROD, reason: null }),
        },
      ]);
    });

    it.each(['suspend', 'resume', 'terminate'])(
      'refuses to %s for a stranger (403, audited) and 404s unknown applications',
      async verb => {
        t.auditEvents.length = 0;
        const before = t.engine.calls.length;
        const denied = await t
          .http()
          .post(`/api/gitops/applications/${PROD}/${verb}`)
          .set('Authorization', mallory)
          .send({});
        expect(denied.status).toBe(403);
        expect(denied.body.error.message).toContain(
          'gitops.application.sync on component:default/payments is denied',
        );
        expect(t.engine.calls.length).toBe(before);
        expect(t.auditEvents).toEqual([
          expect.objectContaining({
            eventId: `application-${verb}`,
            outcome: 'failure',
          }),
        ]);
        const unknown = await t
          .http()
          .post(`/api/gitops/applications/component~default~nope~prod/${verb}`)
          .set('Authorization', alice)
          .send({});
        expect(unknown.status).toBe(404);
      },
    );

    it('answers 400 for bad suspend and resume bodies', async () => {
      for (const verb of ['suspend', 'resume']) {
        for (const body of [
          { reason: 42 },
          { why: 'because' },
          { reason: 'x'.repeat(501) },
          ['reason'],
        ]) {
          const res = await t
            .http()
            .post(`/api/gitops/applications/${PROD}/${verb}`)
            .set('Authorization', alice)
            .send(body as object);
          expect(res.status).toBe(400);
        }
      }
      expect(t.engine.automation.has(PROD)).toBe(false);
    });

    it('terminates a running sync for the owner (202, audited), and answers 409 when none runs', async () => {
      t.auditEvents.length = 0;
      const idle = await t
        .http()
        .post(`/api/gitops/applications/${STAGING}/terminate`)
        .set('Authorization', alice);
      expect(idle.status).toBe(409);
      expect(idle.body.error.message).toContain('has no running sync');

      t.engine.running.add(STAGING);
      try {
        const res = await t
          .http()
          .post(`/api/gitops/applications/${STAGING}/terminate`)
          .set('Authorization', alice);
        expect(res.status).toBe(202);
        expect(res.body.operation).toMatchObject({ phase: 'Running' });
        expect(t.engine.calls).toContain(
          `terminate ${STAGING} by user:default/alice`,
        );
      } finally {
        t.engine.running.delete(STAGING);
      }
      expect(t.auditEvents.map(e => [e.eventId, e.outcome])).toEqual([
        ['application-terminate', 'failure'],
        ['application-terminate', 'success'],
      ]);
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

describe('many applications', () => {
  it('lists a thousand applications with one permission request', async () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      component(`svc-${i}`, i % 2 ? 'team-web' : 'user:default/alice', {
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': 'deploy',
        'mooring.dev/repo': `https://git.example.com/team/svc-${i}.git`,
      }),
    );
    const t = await startGitopsTestBackend(many);
    try {
      await waitFor(
        'a thousand applications',
        () => t.engine.specs.length === 1000,
      );
      t.authorizeCalls.length = 0;
      const res = await t
        .http()
        .get('/api/gitops/applications')
        .set('Authorization', bob);
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(1000);
      expect(t.authorizeCalls).toHaveLength(1);
      // Reading the application and reading its entity, for each.
      expect(t.authorizeCalls[0]).toHaveLength(2000);
    } finally {
      await t.backend.stop();
    }
  });
});
