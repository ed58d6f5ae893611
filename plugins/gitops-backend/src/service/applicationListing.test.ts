import type { Application } from '@mooring/plugin-gitops-common';
import {
  filterApplications,
  pageOf,
  parseListQuery,
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

describe('pageOf', () => {
  const many = Array.from({ length: 25 }, (_, i) =>
    app(`app-${String(24 - i).padStart(2, '0')}`),
  );

  it('walks every application once, in id order, page by page', () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = pageOf(many, { limit: 10, cursor });
      seen.push(...ids(page.items));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids(many)].sort());
  });

  it('returns everything without a limit, and no cursor on the last page', () => {
    expect(pageOf(many, {}).items).toHaveLength(25);
    expect(pageOf(many, {}).nextCursor).toBeUndefined();
    expect(pageOf(many, { limit: 25 }).nextCursor).toBeUndefined();
  });

  it('keeps its place when an application before the cursor goes away', () => {
    const first = pageOf(many, { limit: 5 });
    const fewer = many.filter(a => a.id !== 'app-00');
    const second = pageOf(fewer, { limit: 5, cursor: first.nextCursor });
    expect(ids(second.items)[0]).toBe('app-05');
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
