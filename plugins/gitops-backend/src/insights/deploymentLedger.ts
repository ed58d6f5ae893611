import type { Knex } from 'knex';
import type {
  ApplicationHealthState,
  DeliveryFigures,
  DeliveryScope,
  DeploymentFinish,
  DeploymentStart,
  Distribution,
} from './types';

/**
 * The deployments ledger (`gitops_deployments`) in SQL, for SQLite and
 * PostgreSQL alike. Every figure is computed by the database (counts, UTC
 * day buckets, medians by `row_number()` over the sorted values), never by
 * loading the runs.
 *
 * What counts as a deployment (`is_deployment`): a sync run that applies a
 * commit other than the one the application's previous deployment applied
 * (its first sync is one; so is a rollback), or a person re-applying the same
 * commit and changing objects. Re-applying the same commit automatically
 * (self-heal, an auto-sync retry) is not a deployment: it is how a failed or
 * drifted application gets restored, and shows as `restored_at` on the
 * deployment it restores. A rollback counts as a deployment but has no lead
 * time (it brings no change of its own); the deployments it moves away from
 * count as failed changes.
 *
 * Health is written by conditional updates (`... where live_at is null`), so
 * replicas that all see the same status change record it once.
 */

const TABLE = 'gitops_deployments';
const DAY_MS = 86_400_000;
/** The UTC day of a deployment, as whole days since the epoch (integer division on both databases). */
const DAY = `(started_at / ${DAY_MS})`;
const AUTOMATIC_INITIATORS = ['auto', 'webhook', 'self-heal'];

const num = (value: unknown) =>
  value === null || value === undefined ? undefined : Number(value);

const isSyncedAndHealthy = (state: ApplicationHealthState) =>
  state.sync === 'Synced' && state.health === 'Healthy';

/** Limits a query to the application's newest ledger row. */
function newestOf(db: Knex, applicationId: string) {
  return (q: Knex.QueryBuilder) =>
    q.where(
      'started_at',
      db(TABLE).max('started_at').where({ application_id: applicationId }),
    );
}

export async function recordDeploymentStart(
  db: Knex,
  start: DeploymentStart,
): Promise<void> {
  await db.transaction(async tx => {
    const previous = await tx(TABLE)
      .select('commit_sha')
      .where({ application_id: start.applicationId, is_deployment: true })
      .andWhere('started_at', '<=', start.startedAt)
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'run_id', order: 'desc' },
      ])
      .first();
    const isDeployment = !previous || previous.commit_sha !== start.commitSha;
    if (start.isRollback) {
      await markRolledBack(tx, start);
    }
    await tx(TABLE)
      .insert({
        run_id: start.runId,
        application_id: start.applicationId,
        entity_ref: start.entityRef.toLocaleLowerCase('en-US'),
        target: start.target,
        owner_ref: start.ownerRef?.toLocaleLowerCase('en-US') ?? null,
        cluster: start.cluster,
        commit_sha: start.commitSha,
        commit_at:
          start.commitAt === undefined || Number.isNaN(start.commitAt)
            ? null
            : start.commitAt,
        is_deployment: isDeployment,
        is_rollback: start.isRollback,
        rolled_back: false,
        initiated_by: start.initiatedBy.slice(0, 255),
        started_at: start.startedAt,
        result: 'Running',
      })
      .onConflict('run_id')
      .ignore();
  });
}

/**
 * A rollback moves the application away from every deployment since the
 * newest one of the commit it goes back to (or, when that one is no longer
 * in the ledger, from the newest deployment): those count as failed changes,
 * failed from the moment of the rollback.
 */
async function markRolledBack(tx: Knex.Transaction, start: DeploymentStart) {
  const base = () =>
    tx(TABLE)
      .where({ application_id: start.applicationId, is_deployment: true })
      .andWhere('started_at', '<', start.startedAt);
  const target = await base()
    .max('started_at as at')
    .where({ commit_sha: start.commitSha })
    .first();
  const since = num(target?.at);
  const newest = await base().max('started_at as at').first();
  const from = since ?? num(newest?.at);
  if (from === undefined) return;
  const movedAway = base()
    .whereNot({ commit_sha: start.commitSha })
    .andWhere('started_at', since === undefined ? '>=' : '>', from);
  await movedAway.clone().update({ rolled_back: true });
  await movedAway
    .clone()
    .whereNull('failed_at')
    .update({ failed_at: start.startedAt });
}

export async function recordDeploymentFinish(
  db: Knex,
  runId: string,
  finish: DeploymentFinish,
): Promise<void> {
  const row = await db(TABLE).where({ run_id: runId }).first();
  if (!row) return;
  const at = finish.finishedAt;
  await db(TABLE)
    .where({ run_id: runId })
    .update({ result: finish.result, finished_at: at });
  if (finish.changed) {
    // A person re-applying the same commit and changing objects deploys it again.
    await db(TABLE)
      .where({ run_id: runId, is_deployment: false })
      .whereNotIn('initiated_by', AUTOMATIC_INITIATORS)
      .update({ is_deployment: true });
  }
  const { status } = finish;
  if (finish.result !== 'Succeeded' || status.health === 'Degraded') {
    await db(TABLE)
      .where({ run_id: runId })
      .whereNull('failed_at')
      .whereNull('live_at')
      .update({ failed_at: at });
  } else if (
    isSyncedAndHealthy(status) &&
    status.syncedRevision === row.commit_sha
  ) {
    await db(TABLE)
      .where({ run_id: runId })
      .whereNull('live_at')
      .update({ live_at: at });
  }
  if (isSyncedAndHealthy(status)) {
    await restore(db, row.application_id, at);
  }
}

/** Failed deployments of the application are restored once it is Synced and Healthy again. */
async function restore(db: Knex, applicationId: string, at: number) {
  await db(TABLE)
    .where({ application_id: applicationId })
    .whereNotNull('failed_at')
    .whereNull('restored_at')
    .andWhere('failed_at', '<', at)
    .update({ restored_at: at });
}

export async function recordApplicationHealth(
  db: Knex,
  applicationId: string,
  state: ApplicationHealthState,
  at: number,
): Promise<void> {
  if (isSyncedAndHealthy(state)) {
    if (state.syncedRevision) {
      await db(TABLE)
        .where({ application_id: applicationId })
        .modify(newestOf(db, applicationId))
        .where({ commit_sha: state.syncedRevision })
        .whereIn('result', ['Running', 'Succeeded'])
        .whereNull('live_at')
        .andWhere('started_at', '<=', at)
        .update({ live_at: at });
    }
    await restore(db, applicationId, at);
  } else if (state.health === 'Degraded') {
    // A deployment that turns Degraded before it went live is a failed change.
    await db(TABLE)
      .where({ application_id: applicationId })
      .modify(newestOf(db, applicationId))
      .whereNull('live_at')
      .whereNull('failed_at')
      .andWhere('started_at', '<=', at)
      .update({ failed_at: at });
  }
}

/** Removes ledger rows of runs started before `before` (milliseconds); returns how many. */
export async function deleteDeploymentsBefore(
  db: Knex,
  before: number,
): Promise<number> {
  return await db(TABLE).where('started_at', '<', before).delete();
}

/** The entities whose deployments in `[from, to)` had `ownerRef` as their owner. */
export async function deploymentEntitiesOfOwner(
  db: Knex,
  ownerRef: string,
  period: { from: number; to: number },
): Promise<string[]> {
  const rows = await db(TABLE)
    .distinct('entity_ref')
    .where({ owner_ref: ownerRef.toLocaleLowerCase('en-US') })
    .andWhere('started_at', '>=', period.from)
    .andWhere('started_at', '<', period.to)
    .orderBy('entity_ref');
  return rows.map(r => r.entity_ref);
}

function scoped(db: Knex, scope: DeliveryScope, withTarget = true) {
  const q = db(TABLE)
    .where({ is_deployment: true })
    .whereIn(
      'entity_ref',
      scope.entityRefs.map(r => r.toLocaleLowerCase('en-US')),
    )
    .andWhere('started_at', '>=', scope.from)
    .andWhere('started_at', '<', scope.to);
  if (scope.ownerRef) {
    q.where({ owner_ref: scope.ownerRef.toLocaleLowerCase('en-US') });
  }
  if (withTarget && scope.target !== undefined) {
    q.where({ target: scope.target });
  }
  return q;
}

/**
 * Median (the mean of the middle two for an even count) and 90th percentile
 * (nearest rank: the ⌈0.9·n⌉-th smallest) of `value` over the rows of
 * `base`, overall or per UTC day. SQLite has no percentile function, so the
 * values are ranked with `row_number()` and picked by rank.
 */
async function distribution(
  db: Knex,
  base: Knex.QueryBuilder,
  value: string,
  perDay: boolean,
): Promise<Map<number, Distribution>> {
  const partition = perDay ? `partition by ${DAY}` : '';
  const ranked = base
    .clone()
    .select(
      db.raw(`${value} as v`),
      db.raw(`${DAY} as day`),
      db.raw(`row_number() over (${partition} order by ${value}) as rn`),
      db.raw(`count(*) over (${partition}) as n`),
    );
  const picked = db
    .from(ranked.as('ranked'))
    .select(
      db.raw(
        'avg(case when rn in ((n + 1) / 2, (n + 2) / 2) then v end) as median',
      ),
      db.raw('max(case when rn = (9 * n + 9) / 10 then v end) as p90'),
      db.raw('count(*) as count'),
    );
  if (perDay) picked.select('day').groupBy('day');
  const rows = await picked;
  const result = new Map<number, Distribution>();
  for (const row of rows) {
    const count = Number(row.count);
    if (count === 0) continue;
    result.set(perDay ? Number(row.day) * DAY_MS : 0, {
      count,
      medianMs: num(row.median),
      p90Ms: num(row.p90),
    });
  }
  return result;
}

const FAILURE =
  'case when failed_at is not null or rolled_back = ? then 1 else 0 end';

export async function deliveryFigures(
  db: Knex,
  scope: DeliveryScope,
): Promise<DeliveryFigures> {
  if (scope.entityRefs.length === 0) {
    return {
      deployments: 0,
      failures: 0,
      leadTime: { count: 0 },
      timeToRestore: { count: 0 },
      days: [],
      targets: [],
    };
  }
  const totals = await scoped(db, scope)
    .select(
      db.raw('count(*) as deployments'),
      db.raw(`sum(${FAILURE}) as failures`, [true]),
    )
    .first();
  const perDay = await scoped(db, scope)
    .select(
      db.raw(`${DAY} as day`),
      db.raw('count(*) as deployments'),
      db.raw(`sum(${FAILURE}) as failures`, [true]),
    )
    .groupByRaw(DAY)
    .orderBy('day');
  // A rollback re-applies an old commit: no change of its own to measure.
  const lead = () =>
    scoped(db, scope)
      .where({ is_rollback: false })
      .whereNotNull('live_at')
      .whereNotNull('commit_at');
  const leadTime = await distribution(db, lead(), 'live_at - commit_at', false);
  const leadPerDay = await distribution(
    db,
    lead(),
    'live_at - commit_at',
    true,
  );
  const timeToRestore = await distribution(
    db,
    scoped(db, scope).whereNotNull('failed_at').whereNotNull('restored_at'),
    'restored_at - failed_at',
    false,
  );
  const targets = await scoped(db, scope, false)
    .distinct('target')
    .orderBy('target');
  return {
    deployments: Number(totals?.deployments ?? 0),
    failures: Number(totals?.failures ?? 0),
    leadTime: leadTime.get(0) ?? { count: 0 },
    timeToRestore: timeToRestore.get(0) ?? { count: 0 },
    days: perDay.map(row => {
      const day = Number(row.day) * DAY_MS;
      return {
        day,
        deployments: Number(row.deployments),
        failures: Number(row.failures),
        leadTime: leadPerDay.get(day) ?? { count: 0 },
      };
    }),
    targets: targets.map(r => r.target),
  };
}
