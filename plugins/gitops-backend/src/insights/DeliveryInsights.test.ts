import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { InputError, NotAllowedError } from '@backstage/errors';
import { DatabaseGitopsStore } from '../store/DatabaseGitopsStore';
import { DeliveryInsights, parsePeriod } from './DeliveryInsights';
import type { ApplicationHealthState, DeploymentStart } from './types';

jest.setTimeout(60_000);

/*
 * A constructed history, written through the store's ledger methods with
 * fixed times, whose figures are computed by hand below; the API must return
 * exactly those, on SQLite and on PostgreSQL.
 *
 * component:default/payments, target prod (owner group:default/team-a):
 *   Nov 1  D1 commit 09:50, sync 09:55-10:00, Synced+Healthy at the end    lead 10 min
 *          D2 commit 11:40, sync 11:50-11:55 (Progressing), Healthy 12:00  lead 20 min
 *   Nov 2  D3 commit 09:00, sync 09:10-09:15 Failed                        failed 09:15
 *          D4 commit 10:00, sync 10:20-10:30, Synced+Healthy               lead 30 min, D3 restored 10:30 (75 min)
 *   Nov 3  D5 commit 08:00, sync 08:30-08:35 (Progressing), Healthy 08:40  lead 40 min
 *          R  rollback to D4's commit by a person 09:00-09:05, Synced+Healthy:
 *             D5 rolled back (failed 09:00), restored 09:05 (5 min); R has no lead time
 *          a self-heal re-applying D4's commit at 12:00, changing objects: not a deployment
 *   prod: 6 deployments, failures D3 + D5 = 2 (1/3), lead 10/20/30/40 min →
 *         median 25 min (1500 s), p90 (4th of 4) 40 min (2400 s); restore 75 and
 *         5 min → median 40 min (2400 s), p90 (2nd of 2) 75 min (4500 s).
 *   per day: Nov 1 2 deployments, 0 failures, lead median 15 min (900 s);
 *            Nov 2 2, 1 failure, 30 min (1800 s); Nov 3 2, 1 failure, 40 min (2400 s).
 *
 * component:default/payments, target staging:
 *   Nov 2  S1 commit 08:00, sync 08:05-08:10, Synced+Healthy               lead 10 min
 *          a person re-syncs S1's commit 15:00 changing nothing: not a deployment
 *   payments, all targets: 7 deployments, 2 failures, lead 10/10/20/30/40 →
 *   median 20 min (1200 s), p90 (5th of 5) 40 min (2400 s).
 *
 * component:default/billing (owner group:default/team-a):
 *   Nov 2  B1 commit 12:00, sync 12:10-12:15 Succeeded but Degraded: failed, never restored.
 * component:default/search (owner group:default/team-b):
 *   Nov 1  one deployment, not team-a's.
 *
 * group:default/team-a: payments + billing = 8 deployments, 3 failures (0.375),
 *   lead median 20 min, restore median 40 min.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const at = (day: number, hhmm: string) =>
  Date.parse(`2026-11-0${day}T${hhmm}:00Z`);
const TEAM_A = 'group:default/team-a';
const PAYMENTS = 'component:default/payments';
const BILLING = 'component:default/billing';
const SEARCH = 'component:default/search';
const ANA = 'user:default/ana';

const healthy = (sha: string): ApplicationHealthState => ({
  sync: 'Synced',
  health: 'Healthy',
  syncedRevision: sha,
});

async function constructHistory(store: DatabaseGitopsStore) {
  let n = 0;
  const deploy = async (
    app: { id: string; entityRef: string; target: string; owner: string },
    run: {
      sha: string;
      commitAt: number;
      start: number;
      end: number;
      result?: 'Succeeded' | 'Failed';
      after: ApplicationHealthState;
      changed?: boolean;
      initiatedBy?: string;
      isRollback?: boolean;
    },
  ) => {
    n += 1;
    const runId = `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
    const start: DeploymentStart = {
      runId,
      applicationId: app.id,
      entityRef: app.entityRef,
      target: app.target,
      ownerRef: app.owner,
      cluster: 'dev',
      commitSha: run.sha,
      commitAt: run.commitAt,
      startedAt: run.start,
      initiatedBy: run.initiatedBy ?? 'auto',
      isRollback: Boolean(run.isRollback),
    };
    await store.recordDeploymentStart(start);
    await store.recordDeploymentFinish(runId, {
      result: run.result ?? 'Succeeded',
      finishedAt: run.end,
      changed: run.changed ?? true,
      status: run.after,
    });
  };
  const prod = {
    id: 'payments-prod',
    entityRef: 'Component:default/Payments',
    target: 'prod',
    owner: 'Group:default/team-a',
  };
  const staging = { ...prod, id: 'payments-staging', target: 'staging' };
  const billing = {
    id: 'billing',
    entityRef: BILLING,
    target: 'default',
    owner: TEAM_A,
  };
  const search = {
    id: 'search',
    entityRef: SEARCH,
    target: 'default',
    owner: 'group:default/team-b',
  };
  const progressing = (sha: string): ApplicationHealthState => ({
    sync: 'Synced',
    health: 'Progressing',
    syncedRevision: sha,
  });

  // Nov 1
  await deploy(prod, {
    sha: 'c1',
    commitAt: at(1, '09:50'),
    start: at(1, '09:55'),
    end: at(1, '10:00'),
    after: healthy('c1'),
  });
  await deploy(prod, {
    sha: 'c2',
    commitAt: at(1, '11:40'),
    start: at(1, '11:50'),
    end: at(1, '11:55'),
    after: progressing('c2'),
  });
  await store.recordApplicationHealth(prod.id, healthy('c2'), at(1, '12:00'));
  // Seen again by another replica a minute later: recorded once.
  await store.recordApplicationHealth(prod.id, healthy('c2'), at(1, '12:01'));
  await deploy(search, {
    sha: 'x1',
    commitAt: at(1, '08:00'),
    start: at(1, '08:01'),
    end: at(1, '08:02'),
    after: healthy('x1'),
  });

  // Nov 2
  await deploy(prod, {
    sha: 'c3',
    commitAt: at(2, '09:00'),
    start: at(2, '09:10'),
    end: at(2, '09:15'),
    result: 'Failed',
    after: { sync: 'OutOfSync', health: 'Healthy', syncedRevision: 'c2' },
  });
  await deploy(prod, {
    sha: 'c4',
    commitAt: at(2, '10:00'),
    start: at(2, '10:20'),
    end: at(2, '10:30'),
    after: healthy('c4'),
  });
  await deploy(staging, {
    sha: 's1',
    commitAt: at(2, '08:00'),
    start: at(2, '08:05'),
    end: at(2, '08:10'),
    after: healthy('s1'),
  });
  await deploy(staging, {
    sha: 's1',
    commitAt: at(2, '08:00'),
    start: at(2, '15:00'),
    end: at(2, '15:01'),
    after: healthy('s1'),
    changed: false,
    initiatedBy: ANA,
  });
  await deploy(billing, {
    sha: 'b1',
    commitAt: at(2, '12:00'),
    start: at(2, '12:10'),
    end: at(2, '12:15'),
    after: { sync: 'Synced', health: 'Degraded', syncedRevision: 'b1' },
  });

  // Nov 3
  await deploy(prod, {
    sha: 'c5',
    commitAt: at(3, '08:00'),
    start: at(3, '08:30'),
    end: at(3, '08:35'),
    after: progressing('c5'),
  });
  await store.recordApplicationHealth(prod.id, healthy('c5'), at(3, '08:40'));
  await deploy(prod, {
    sha: 'c4',
    commitAt: at(2, '10:00'),
    start: at(3, '09:00'),
    end: at(3, '09:05'),
    after: healthy('c4'),
    initiatedBy: ANA,
    isRollback: true,
  });
  await deploy(prod, {
    sha: 'c4',
    commitAt: at(2, '10:00'),
    start: at(3, '12:00'),
    end: at(3, '12:01'),
    after: healthy('c4'),
    initiatedBy: 'self-heal',
  });
}

/** Stands in for `ApplicationAccess`: the caller may read these entities. */
const readableOnly = (allowed: string[]) => ({
  readable: async (_: unknown, refs: Iterable<string>) =>
    new Set(
      [...refs].filter(r =>
        allowed.some(a => a.toLowerCase() === r.toLowerCase()),
      ),
    ),
});

const NOV = { from: '2026-11-01', to: '2026-11-03' };
const caller = mockCredentials.user(ANA);

describe('delivery figures from a constructed history', () => {
  it.each(databases.eachSupportedId())(
    'are the hand-computed ones (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      await constructHistory(store);
      const insights = new DeliveryInsights({
        ledger: store,
        access: readableOnly([PAYMENTS, BILLING, SEARCH]),
      });

      const prod = await insights.figures(caller, {
        entityRef: PAYMENTS,
        target: 'prod',
        ...NOV,
      });
      expect(prod).toEqual({
        entityRef: PAYMENTS,
        target: 'prod',
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-04T00:00:00.000Z',
        components: [PAYMENTS],
        targets: ['prod', 'staging'],
        deployments: { count: 6, perDay: 2 },
        leadTime: { count: 4, medianSeconds: 1500, p90Seconds: 2400 },
        changeFailureRate: { failures: 2, deployments: 6, rate: 1 / 3 },
        timeToRestore: { count: 2, medianSeconds: 2400, p90Seconds: 4500 },
        days: [
          {
            date: '2026-11-01',
            deployments: 2,
            failures: 0,
            leadTimeMedianSeconds: 900,
          },
          {
            date: '2026-11-02',
            deployments: 2,
            failures: 1,
            leadTimeMedianSeconds: 1800,
          },
          {
            date: '2026-11-03',
            deployments: 2,
            failures: 1,
            leadTimeMedianSeconds: 2400,
          },
        ],
      });

      const payments = await insights.figures(caller, {
        entityRef: 'payments',
        ...NOV,
      });
      expect(payments).toMatchObject({
        entityRef: PAYMENTS,
        deployments: { count: 7 },
        leadTime: { count: 5, medianSeconds: 1200, p90Seconds: 2400 },
        changeFailureRate: { failures: 2, deployments: 7, rate: 2 / 7 },
        timeToRestore: { count: 2, medianSeconds: 2400 },
      });
      expect(payments.days.map(d => d.deployments)).toEqual([2, 3, 2]);
      expect(payments.target).toBeUndefined();

      const team = await insights.figures(caller, {
        entityRef: TEAM_A,
        ...NOV,
      });
      expect(team).toMatchObject({
        entityRef: TEAM_A,
        components: [BILLING, PAYMENTS],
        deployments: { count: 8 },
        leadTime: { count: 5, medianSeconds: 1200 },
        changeFailureRate: { failures: 3, deployments: 8, rate: 0.375 },
        timeToRestore: { count: 2, medianSeconds: 2400 },
      });
      expect(team.days.map(d => [d.deployments, d.failures])).toEqual([
        [2, 0],
        [4, 2],
        [2, 1],
      ]);

      // Only the components the caller may read count for a group.
      const partly = new DeliveryInsights({
        ledger: store,
        access: readableOnly([PAYMENTS]),
      });
      const teamSeenPartly = await partly.figures(caller, {
        entityRef: TEAM_A,
        ...NOV,
      });
      expect(teamSeenPartly).toMatchObject({
        components: [PAYMENTS],
        deployments: { count: 7 },
        changeFailureRate: { failures: 2 },
      });
      await expect(
        partly.figures(caller, { entityRef: BILLING, ...NOV }),
      ).rejects.toThrow(NotAllowedError);

      // One day only: Nov 2 (prod D3, D4 and staging S1).
      const nov2 = await insights.figures(caller, {
        entityRef: PAYMENTS,
        from: '2026-11-02',
        to: '2026-11-02',
      });
      expect(nov2).toMatchObject({
        deployments: { count: 3, perDay: 3 },
        leadTime: { count: 2, medianSeconds: 20 * 60 },
        changeFailureRate: { failures: 1, deployments: 3 },
        days: [
          {
            date: '2026-11-02',
            deployments: 3,
            failures: 1,
            leadTimeMedianSeconds: 1200,
          },
        ],
      });

      // A period without deployments: zeros, no medians.
      const empty = await insights.figures(caller, {
        entityRef: PAYMENTS,
        from: '2026-10-01',
        to: '2026-10-07',
      });
      expect(empty).toMatchObject({
        deployments: { count: 0, perDay: 0 },
        leadTime: { count: 0 },
        changeFailureRate: { failures: 0, deployments: 0 },
        timeToRestore: { count: 0 },
        targets: [],
      });
      expect(empty.changeFailureRate.rate).toBeUndefined();
      expect(empty.days).toHaveLength(7);

      // Retention by age: what started before Nov 2 goes.
      expect(await store.deleteDeploymentsBefore(at(2, '00:00'))).toBe(3);
      const kept = await insights.figures(caller, {
        entityRef: PAYMENTS,
        ...NOV,
      });
      expect(kept.deployments.count).toBe(5);
    },
  );
});

describe('a deployment Degraded before it went live', () => {
  it.each(databases.eachSupportedId())(
    'is a failed change, restored and live once Healthy, once however many replicas report it (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const store = await DatabaseGitopsStore.create({ database: knex });
      const runId = '00000000-0000-0000-0000-00000000d001';
      await store.recordDeploymentStart({
        runId,
        applicationId: 'orders',
        entityRef: 'component:default/orders',
        target: 'default',
        cluster: 'dev',
        commitSha: 'o1',
        commitAt: at(1, '09:00'),
        startedAt: at(1, '09:10'),
        initiatedBy: 'webhook',
        isRollback: false,
      });
      // Still applying when a replica sees it Progressing, then Degraded.
      const degraded: ApplicationHealthState = {
        sync: 'Synced',
        health: 'Degraded',
        syncedRevision: 'o1',
      };
      await store.recordApplicationHealth('orders', degraded, at(1, '09:12'));
      await store.recordDeploymentFinish(runId, {
        result: 'Succeeded',
        finishedAt: at(1, '09:15'),
        changed: true,
        status: degraded,
      });
      // Two replicas see it Healthy at 09:40 and 09:41: the first one counts.
      await store.recordApplicationHealth(
        'orders',
        healthy('o1'),
        at(1, '09:40'),
      );
      await store.recordApplicationHealth(
        'orders',
        healthy('o1'),
        at(1, '09:41'),
      );
      const figures = await store.deliveryFigures({
        entityRefs: ['component:default/orders'],
        from: at(1, '00:00'),
        to: at(2, '00:00'),
      });
      // Failed at 09:12 (first Degraded), restored at 09:40: 28 minutes;
      // committed 09:00, live 09:40: a lead time of 40 minutes.
      expect(figures).toMatchObject({
        deployments: 1,
        failures: 1,
        leadTime: { count: 1, medianMs: 40 * 60_000 },
        timeToRestore: { count: 1, medianMs: 28 * 60_000 },
      });
    },
  );
});

describe('the period of a request', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');

  it('is the last 30 days by default', () => {
    expect(parsePeriod({}, now)).toEqual({
      from: now - 30 * 86_400_000,
      to: now,
    });
  });

  it('takes dates and date-times, a date-only end being the end of that day', () => {
    expect(parsePeriod({ from: '2026-11-01', to: '2026-11-30' }, now)).toEqual({
      from: Date.parse('2026-11-01T00:00:00Z'),
      to: Date.parse('2026-12-01T00:00:00Z'),
    });
    expect(
      parsePeriod(
        { from: '2026-11-01T12:00:00+01:00', to: '2026-11-02T00:00:00Z' },
        now,
      ),
    ).toEqual({
      from: Date.parse('2026-11-01T11:00:00Z'),
      to: Date.parse('2026-11-02T00:00:00Z'),
    });
  });

  it.each([
    [{ from: 'yesterday' }, "from 'yesterday' is not an ISO date"],
    [{ to: '2026-13-45' }, "to '2026-13-45' is not an ISO date"],
    [{ from: ['2026-11-01', '2026-11-02'] }, 'from must be given once'],
    [{ from: '2026-11-05', to: '2026-11-01' }, 'must be before to'],
    [{ from: '2025-01-01', to: '2026-11-01' }, 'longer than 366 days'],
  ])('refuses %j', (query, message) => {
    expect(() => parsePeriod(query, now)).toThrow(InputError);
    expect(() => parsePeriod(query, now)).toThrow(message);
  });
});

it('refuses a request without an entity ref', async () => {
  const insights = new DeliveryInsights({
    ledger: {} as any,
    access: readableOnly([]),
  });
  await expect(insights.figures(caller, {})).rejects.toThrow(InputError);
});
