import type { Application } from '@mooring/plugin-gitops-common';
import {
  filterApplications,
  parseListQuery,
  readablePageOf,
} from './applicationListing';

function app(
  id: string,
  overrides: {
    cluster?: string;
    namespace?: string;
    owner?: string;
    sync?: Application['status']['sync'];
    health?: Application['status']['health'];
    syncedRevision?: string;
  } = {},
): Application {
  return {
    id,
    entityRef: `component:default/${id.split('-')[0]}`,
    ...(overrides.owner ? { owner: overrides.owner } : {}),
    target: 'default',
    source: {
      repoUrl: 'https://git.example.com/x.git',
      path: '.',
      revision: 'main',
    },
    destination: {
      cluster: overrides.cluster ?? 'dev',
      namespace: overrides.namespace ?? id,
    },
    policy: { sync: 'manual', prune: false, selfHeal: false },
    status: {
      sync: overrides.sync ?? 'Synced',
      health: overrides.health ?? 'Healthy',
      message: '',
      ...(overrides.syncedRevision
        ? { syncedRevision: overrides.syncedRevision }
        : {}),
    },
  };
}

const fleet = [
  app('payments-prod', {
    cluster: 'prod',
    namespace: 'payments',
    owner: 'group:default/team-pay',
    health: 'Degraded',
    sync: 'OutOfSync',
  }),
  app('payments-staging', {
    namespace: 'payments',
    owner: 'group:default/team-pay',
    syncedRevision: 'abc1234def',
  }),
  app('billing-worker', {
    owner: 'group:default/team-bill',
    health: 'Degraded',
  }),
  app('web', { owner: 'user:default/alice' }),
];

const ids = (apps: Application[]) => apps.map(a => a.id);

describe('filterApplications', () => {
  it.each([
    [{ cluster: 'prod' }, ['payments-prod']],
    [{ namespace: 'payments' }, ['payments-prod', 'payments-staging']],
    [{ health: 'Degraded' }, ['payments-prod', 'billing-worker']],
    [{ sync: 'OutOfSync' }, ['payments-prod']],
    [{ health: 'Degraded', cluster: 'dev' }, ['billing-worker']],
    [
      { owner: 'group:default/team-pay' },
      ['payments-prod', 'payments-staging'],
    ],
    [{ owner: 'team-bill' }, ['billing-worker']],
    [{ owner: 'default/alice' }, ['web']],
    [{ owner: 'team' }, []],
    [{ q: 'PAY' }, ['payments-prod', 'payments-staging']],
    [{ q: 'abc1234' }, ['payments-staging']],
    [{ q: 'component:default/web' }, ['web']],
    [{ q: 'prod' }, ['payments-prod']],
    [{}, ids(fleet)],
  ] as const)('%j selects %j', (query, expected) => {
    expect(ids(filterApplications(fleet, query as any))).toEqual(expected);
  });
});

describe('readablePageOf', () => {
  const many = Array.from({ length: 25 }, (_, i) =>
    app(`app-${String(24 - i).padStart(2, '0')}`),
  );
  const everything = async (refs: string[]) => new Set(refs);

  it('walks every application once, in id order, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await readablePageOf(
        many,
        { limit: 10, cursor },
        everything,
      );
      seen.push(...ids(page.items));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids(many)].sort());
  });

  it('returns everything without a limit, and no cursor on the last page', async () => {
    const all = await readablePageOf(many, {}, everything);
    expect(all.items).toHaveLength(25);
    expect(all.nextCursor).toBeUndefined();
    const one = await readablePageOf(many, { limit: 25 }, everything);
    expect(one.nextCursor).toBeUndefined();
  });

  it('keeps its place when an application before the cursor goes away', async () => {
    const first = await readablePageOf(many, { limit: 5 }, everything);
    const fewer = many.filter(a => a.id !== 'app-00');
    const second = await readablePageOf(
      fewer,
      { limit: 5, cursor: first.nextCursor },
      everything,
    );
    expect(ids(second.items)[0]).toBe('app-05');
  });

  it('asks permission for about a page at a time, and skips what may not be read', async () => {
    const fleetOf = Array.from({ length: 2000 }, (_, i) => ({
      ...app(`svc-${String(i).padStart(4, '0')}`),
      entityRef: `component:default/svc-${String(i).padStart(4, '0')}`,
    }));
    // Only every third application may be read.
    const asked: number[] = [];
    const everyThird = async (refs: string[]) => {
      asked.push(refs.length);
      return new Set(refs.filter(ref => Number(ref.slice(-4)) % 3 === 0));
    };
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      asked.length = 0;
      const page = await readablePageOf(
        fleetOf,
        { limit: 50, cursor },
        everyThird,
      );
      expect(page.items.length).toBeLessThanOrEqual(50);
      // 64, then 128, then 256 at most: never the whole fleet.
      expect(asked.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(448);
      seen.push(...ids(page.items));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    const readable = fleetOf.filter((_, i) => i % 3 === 0).map(a => a.id);
    expect(seen).toEqual(readable);
    expect(pages).toBe(Math.ceil(readable.length / 50));
  });
});

describe('parseListQuery', () => {
  it('reads filters and paging, dropping empty values', () => {
    expect(
      parseListQuery({
        cluster: 'dev',
        health: 'Degraded',
        limit: '50',
        q: ' x ',
        sync: '',
      }),
    ).toEqual({ cluster: 'dev', health: 'Degraded', limit: 50, q: 'x' });
  });

  it.each([
    [{ limit: '0' }, 'limit must be a whole number from 1 to 500'],
    [{ limit: '501' }, 'limit must be a whole number from 1 to 500'],
    [{ limit: 'ten' }, 'limit must be a whole number'],
    [{ health: 'Sick' }, 'health must be one of Healthy'],
    [{ sync: 'synced' }, 'sync must be one of Synced'],
    [{ cluster: ['a', 'b'] }, 'cluster must be given once'],
    [{ cursor: 'garbage' }, 'cursor is not one this API gave out'],
    [{ q: 'x'.repeat(513) }, 'q must be at most 512 characters'],
  ])('refuses %j', (query, message) => {
    expect(() => parseListQuery(query)).toThrow(message);
  });
});
