import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import {
  bob,
  eve,
  GitopsTestBackend,
  payments,
  startGitopsTestBackend,
  trent,
  web,
  WEB,
} from '../__testUtils__/gitopsTestBackend';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

/*
 * `GET /api/gitops/insights` in the plugin's test backend: engine events go
 * through the real recorder into the plugin's database, and the route
 * answers with the spec's validation, the permission checks and clear 400s.
 */

const MIN = 60_000;

describe('GET /insights', () => {
  let t: GitopsTestBackend;
  const finishedAt = Date.now() - 60 * MIN;

  beforeAll(async () => {
    t = await startGitopsTestBackend([payments, web]);
    // One deployment of web: committed 30 minutes before it was Synced and Healthy.
    const spec = t.engine.specs.find(s => s.id === WEB)!;
    const application: Application = {
      ...t.engine.toApplication(spec),
      owner: 'group:default/team-web',
      status: {
        sync: 'Synced',
        health: 'Healthy',
        message: '',
        syncedRevision: 'a'.repeat(40),
      },
    };
    const run: SyncRun = {
      id: '11111111-2222-3333-4444-555555555555',
      revision: 'main',
      commit: {
        sha: 'a'.repeat(40),
        author: 'Ada',
        message: 'web: v2',
        date: new Date(finishedAt - 30 * MIN).toISOString(),
      },
      startedAt: new Date(finishedAt - 2 * MIN).toISOString(),
      phase: 'Running',
      initiatedBy: 'auto',
      message: '',
      changes: [],
    };
    const options = { initiatedBy: 'auto' };
    t.engine.emit({ type: 'syncStarted', application, run, options });
    t.engine.emit({
      type: 'syncFinished',
      application,
      run: {
        ...run,
        phase: 'Succeeded',
        finishedAt: new Date(finishedAt).toISOString(),
        changes: [
          {
            kind: 'Deployment',
            namespace: 'web',
            name: 'web',
            action: 'configured',
          },
        ],
      },
      options,
    });
  });
  afterAll(async () => {
    await t.backend.stop();
  });

  const get = (query: string, who: string) =>
    t.http().get(`/api/gitops/insights?${query}`).set('Authorization', who);

  it('answers the figures of a component recorded from engine events', async () => {
    const res = await waitFor(
      'the deployment of web to be recorded',
      async () => {
        const r = await get('entityRef=component:default/web', bob);
        return r.body.deployments?.count === 1 && r;
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      entityRef: 'component:default/web',
      components: ['component:default/web'],
      targets: ['default'],
      deployments: { count: 1 },
      leadTime: { count: 1, medianSeconds: 1800, p90Seconds: 1800 },
      changeFailureRate: { failures: 0, deployments: 1, rate: 0 },
      timeToRestore: { count: 0 },
    });
    expect(res.body.days).toHaveLength(31);
    expect(
      res.body.days.reduce(
        (n: number, d: { deployments: number }) => n + d.deployments,
        0,
      ),
    ).toBe(1);
  });

  it('counts a group across the components it owned, those the caller may read', async () => {
    await waitFor('the deployment of web to be recorded', async () => {
      const r = await get('entityRef=component:default/web', bob);
      return r.body.deployments?.count === 1;
    });
    const team = await get('entityRef=group:default/team-web', bob);
    expect(team.status).toBe(200);
    expect(team.body).toMatchObject({
      components: ['component:default/web'],
      deployments: { count: 1 },
    });
    // Trent may not read web in the catalog: the group has nothing for him.
    const hidden = await get('entityRef=group:default/team-web', trent);
    expect(hidden.status).toBe(200);
    expect(hidden.body).toMatchObject({
      components: [],
      deployments: { count: 0 },
    });
  });

  it('refuses callers who may not read the component', async () => {
    for (const who of [trent, eve]) {
      const res = await get('entityRef=component:default/web', who);
      expect(res.status).toBe(403);
      expect(res.body.error.name).toBe('NotAllowedError');
      expect(res.body.error.message).toContain('component:default/web');
    }
  });

  it.each([
    ['', /entityRef/],
    ['entityRef=component%3A', /not an entity ref/],
    ['entityRef=web&from=yesterday', /from 'yesterday' is not an ISO date/],
    ['entityRef=web&from=2026-11-05&to=2026-11-01', /must be before to/],
    ['entityRef=web&from=2024-01-01&to=2026-01-01', /longer than 366 days/],
  ])('answers 400 for %p', async (query, message) => {
    const res = await get(query, bob);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });
});
