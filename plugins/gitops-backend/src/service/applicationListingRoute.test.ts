import type { Application } from '@mooring/plugin-gitops-common';
import {
  alice,
  broken,
  eve,
  GitopsTestBackend,
  payments,
  PROD,
  STAGING,
  startGitopsTestBackend,
  trent,
  web,
  WEB,
} from '../__testUtils__/gitopsTestBackend';

jest.setTimeout(60_000);

describe('GET /applications: filters and pages', () => {
  let t: GitopsTestBackend;
  beforeAll(async () => {
    t = await startGitopsTestBackend([payments, web, broken]);
  });
  afterAll(async () => {
    await t.backend.stop();
  });

  const list = (query: Record<string, string>, who = alice) =>
    t
      .http()
      .get('/api/gitops/applications')
      .query(query)
      .set('Authorization', who);
  const ids = (body: { items: Application[] }) => body.items.map(a => a.id);

  it('keeps the whole list without paging, errors included', async () => {
    const res = await list({});
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([PROD, STAGING, WEB].sort());
    expect(res.body.nextCursor).toBeUndefined();
    expect(res.body.errors.length).toBeGreaterThan(0);
  });

  it('filters by cluster, namespace-free text and entityRef together', async () => {
    expect(ids((await list({ cluster: 'prod' })).body)).toEqual([PROD]);
    expect(ids((await list({ q: 'WEB' })).body)).toEqual([WEB]);
    expect(
      ids(
        (
          await list({
            entityRef: 'component:default/payments',
            cluster: 'dev',
          })
        ).body,
      ),
    ).toEqual([STAGING]);
  });

  it('pages in id order with an opaque cursor', async () => {
    const first = await list({ limit: '2' });
    expect(ids(first.body)).toEqual([PROD, STAGING, WEB].sort().slice(0, 2));
    const second = await list({ limit: '2', cursor: first.body.nextCursor });
    expect(ids(second.body)).toEqual([[PROD, STAGING, WEB].sort()[2]]);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('pages over what the caller may read only', async () => {
    const res = await list({ limit: '500' }, trent);
    expect(ids(res.body)).not.toContain(WEB);
    expect((await list({}, eve)).body.items).toEqual([]);
  });

  it('answers 400 for bad filters', async () => {
    for (const [query, message] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '501' }, 'limit'],
      [{ health: 'Sick' }, 'health must be one of'],
      [{ cursor: 'nope' }, 'cursor is not one this API gave out'],
    ] as const) {
      const res = await list(query);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
  });
});
