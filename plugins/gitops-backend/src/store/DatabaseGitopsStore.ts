import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import type {
  CommitInfo,
  OperationPhase,
  ResourceChange,
  SyncStep,
} from '@mooring/plugin-gitops-common';
import type {
  GitopsStore,
  StoredAutomation,
  StoredInventory,
  StoredRun,
} from './GitopsStore';
import {
  deleteDeploymentsBefore,
  deliveryFigures,
  deploymentEntitiesOfOwner,
  recordApplicationHealth,
  recordDeploymentFinish,
  recordDeploymentStart,
} from '../insights/deploymentLedger';
import type {
  ApplicationHealthState,
  DeliveryScope,
  DeploymentFinish,
  DeploymentStart,
} from '../insights/types';

const migrationsDir = resolvePackagePath(
  '@mooring/plugin-gitops-backend',
  'migrations',
);

type RunRow = {
  id: string;
  application_id: string;
  revision: string;
  commit_sha: string | null;
  commit_author: string | null;
  commit_message: string | null;
  commit_date: string | null;
  initiated_by: string;
  started_at: number | string;
  finished_at: number | string | null;
  phase: OperationPhase;
  message: string;
  dry_run: boolean | number;
  changes: string;
  steps?: string | null;
};

function toRun(row: RunRow): StoredRun {
  return {
    id: row.id,
    applicationId: row.application_id,
    revision: row.revision,
    commit: {
      sha: row.commit_sha ?? '',
      author: row.commit_author ?? '',
      message: row.commit_message ?? '',
      date: row.commit_date ?? '',
    },
    startedAt: new Date(Number(row.started_at)).toISOString(),
    finishedAt:
      row.finished_at === null
        ? undefined
        : new Date(Number(row.finished_at)).toISOString(),
    phase: row.phase,
    initiatedBy: row.initiated_by,
    message: row.message,
    dryRun: Boolean(row.dry_run),
    changes: JSON.parse(row.changes),
    ...(row.steps ? { steps: JSON.parse(row.steps) } : {}),
  };
}

type AutomationRow = {
  application_id: string;
  suspended: boolean | number;
  suspended_reason: string | null;
  suspended_by: string | null;
  suspended_at: number | string | null;
  pinned_revision: string | null;
  pinned_from: string | null;
  pinned_by: string | null;
  pinned_at: number | string | null;
  updated_at: number | string;
};

const isoOf = (ms: number | string | null) =>
  new Date(Number(ms ?? 0)).toISOString();

function toAutomation(row: AutomationRow | undefined): StoredAutomation {
  if (!row) return {};
  return {
    ...(row.suspended
      ? {
          suspension: {
            ...(row.suspended_reason ? { reason: row.suspended_reason } : {}),
            by: row.suspended_by ?? '',
            at: isoOf(row.suspended_at),
          },
        }
      : {}),
    ...(row.pinned_revision
      ? {
          pin: {
            revision: row.pinned_revision,
            ...(row.pinned_from ? { from: row.pinned_from } : {}),
            by: row.pinned_by ?? '',
            at: isoOf(row.pinned_at),
          },
        }
      : {}),
  };
}

const SUSPENSION_COLUMNS = [
  'suspended',
  'suspended_reason',
  'suspended_by',
  'suspended_at',
  'updated_at',
];
const PIN_COLUMNS = [
  'pinned_revision',
  'pinned_from',
  'pinned_by',
  'pinned_at',
  'updated_at',
];

function commitColumns(commit: CommitInfo | undefined) {
  return commit
    ? {
        commit_sha: commit.sha || null,
        commit_author: commit.author.slice(0, 255) || null,
        commit_message: commit.message || null,
        commit_date: commit.date || null,
      }
    : {};
}

/** The engine's store in the plugin's database (SQLite or PostgreSQL). */
export class DatabaseGitopsStore implements GitopsStore {
  static async create(options: {
    database: DatabaseService | Knex;
    skipMigrations?: boolean;
  }): Promise<DatabaseGitopsStore> {
    const { database } = options;
    const isService = 'getClient' in database;
    const client = isService ? await database.getClient() : database;
    const skip =
      options.skipMigrations || (isService && database.migrations?.skip);
    if (!skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new DatabaseGitopsStore(client);
  }

  private constructor(private readonly db: Knex) {}

  async insertRun(run: StoredRun, holder: string) {
    await this.db<RunRow>('gitops_runs').insert({
      id: run.id,
      application_id: run.applicationId,
      revision: run.revision,
      ...commitColumns(run.commit),
      initiated_by: run.initiatedBy,
      started_at: Date.parse(run.startedAt),
      finished_at: run.finishedAt ? Date.parse(run.finishedAt) : null,
      phase: run.phase,
      message: run.message,
      dry_run: Boolean(run.dryRun),
      changes: JSON.stringify(run.changes),
      holder,
    } as any);
  }

  async finishRun(
    id: string,
    result: {
      phase: OperationPhase;
      message: string;
      changes: ResourceChange[];
      commit?: CommitInfo;
      finishedAt: string;
      steps?: SyncStep[];
    },
  ) {
    await this.db('gitops_runs')
      .where({ id })
      .update({
        ...(result.steps?.length
          ? { steps: JSON.stringify(result.steps) }
          : {}),
        phase: result.phase,
        message: result.message,
        changes: JSON.stringify(result.changes),
        finished_at: Date.parse(result.finishedAt),
        holder: null,
        ...commitColumns(result.commit),
      });
  }

  async listRuns(applicationId: string, limit: number) {
    const rows = await this.db<RunRow>('gitops_runs')
      .where({ application_id: applicationId })
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit);
    return rows.map(toRun);
  }

  async getRun(applicationId: string, runId: string) {
    const row = await this.db<RunRow>('gitops_runs')
      .where({ application_id: applicationId, id: runId })
      .first();
    return row ? toRun(row) : undefined;
  }

  async countRuns() {
    const rows = await this.db('gitops_runs')
      .select('application_id', 'dry_run')
      .count({ n: '*' })
      .groupBy('application_id', 'dry_run');
    const counts = new Map<string, { runs: number; dryRuns: number }>();
    for (const row of rows as Array<Record<string, unknown>>) {
      const id = String(row.application_id);
      const count = counts.get(id) ?? { runs: 0, dryRuns: 0 };
      if (row.dry_run === true || Number(row.dry_run) === 1) {
        count.dryRuns += Number(row.n);
      } else {
        count.runs += Number(row.n);
      }
      counts.set(id, count);
    }
    return counts;
  }

  async trimRuns(
    applicationId: string,
    keep: number,
    only?: 'runs' | 'dryRuns',
  ) {
    // Real runs and dry runs are kept apart, `keep` of each.
    const kinds = [false, true].filter(
      dryRun => !only || only === (dryRun ? 'dryRuns' : 'runs'),
    );
    for (const dryRun of kinds) {
      const newest = this.db('gitops_runs')
        .select('id')
        .where({ application_id: applicationId, dry_run: dryRun })
        .orderBy([
          { column: 'started_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(keep);
      // Some databases refuse LIMIT inside IN (...); wrapping it in a derived table works everywhere.
      await this.db('gitops_runs')
        .where({ application_id: applicationId, dry_run: dryRun })
        .whereNot('phase', 'Running')
        .whereNotIn('id', this.db.select('id').from(newest.as('newest')))
        .delete();
    }
  }

  async failAbandonedRuns(message: string) {
    const now = Date.now();
    const db = this.db;
    return await db('gitops_runs')
      .where('phase', 'Running')
      .whereNotExists(function leaseAlive() {
        this.select(db.raw('1'))
          .from('gitops_leases')
          .whereRaw('gitops_leases.application_id = gitops_runs.application_id')
          .andWhere('gitops_leases.expires_at', '>', now);
      })
      .update({ phase: 'Error', message, finished_at: now, holder: null });
  }

  async getInventory(applicationId: string) {
    const row = await this.db('gitops_inventory')
      .where({ application_id: applicationId })
      .first();
    if (!row) return undefined;
    return {
      cluster: row.cluster,
      entries: JSON.parse(row.entries),
      syncedRevision: row.synced_revision ?? undefined,
    };
  }

  async listInventories() {
    const rows = await this.db('gitops_inventory').select(
      'application_id',
      'cluster',
      'entries',
      'synced_revision',
    );
    return new Map<string, StoredInventory>(
      rows.map(row => [
        row.application_id,
        {
          cluster: row.cluster,
          entries: JSON.parse(row.entries),
          syncedRevision: row.synced_revision ?? undefined,
        },
      ]),
    );
  }

  async saveInventory(applicationId: string, inventory: StoredInventory) {
    await this.db('gitops_inventory')
      .insert({
        application_id: applicationId,
        cluster: inventory.cluster,
        entries: JSON.stringify(inventory.entries),
        synced_revision: inventory.syncedRevision ?? null,
        updated_at: Date.now(),
      })
      .onConflict('application_id')
      .merge();
  }

  async deleteInventory(applicationId: string) {
    await this.db('gitops_inventory')
      .where({ application_id: applicationId })
      .delete();
  }

  async tryAcquireLease(applicationId: string, holder: string, ttlMs: number) {
    const now = Date.now();
    // A released lease is deleted, so the row is usually absent: one insert
    // takes it; an expired or own lease is taken over by the update.
    const inserted = await this.db('gitops_leases')
      .insert({
        application_id: applicationId,
        holder,
        expires_at: now + ttlMs,
      })
      .onConflict('application_id')
      .ignore()
      .returning('application_id');
    if (Array.isArray(inserted) && inserted.length > 0) return true;
    const taken = await this.db('gitops_leases')
      .where({ application_id: applicationId })
      .andWhere(q => q.where('expires_at', '<=', now).orWhere({ holder }))
      .update({ holder, expires_at: now + ttlMs });
    return taken > 0;
  }

  async renewLease(applicationId: string, holder: string, ttlMs: number) {
    const renewed = await this.db('gitops_leases')
      .where({ application_id: applicationId, holder })
      .update({ expires_at: Date.now() + ttlMs });
    return renewed > 0;
  }

  async releaseLease(applicationId: string, holder: string) {
    await this.db('gitops_leases')
      .where({ application_id: applicationId, holder })
      .delete();
  }

  async requestTermination(applicationId: string, by: string) {
    const row = await this.db<RunRow>('gitops_runs')
      .where({ application_id: applicationId, phase: 'Running' })
      .orderBy('started_at', 'desc')
      .first();
    if (!row) return undefined;
    await this.db('gitops_runs')
      .where({ id: row.id, phase: 'Running' })
      .update({ terminate_requested_by: by });
    return toRun(row);
  }

  async terminationRequest(applicationId: string, holder: string) {
    const row = await this.db('gitops_runs')
      .select('terminate_requested_by')
      .where({ application_id: applicationId, holder, phase: 'Running' })
      .whereNotNull('terminate_requested_by')
      .first();
    return row?.terminate_requested_by ?? undefined;
  }

  async getAutomation(applicationId: string) {
    return toAutomation(
      await this.db<AutomationRow>('gitops_automation')
        .where({ application_id: applicationId })
        .first(),
    );
  }

  async listAutomation() {
    const rows = await this.db<AutomationRow>('gitops_automation');
    return new Map(rows.map(row => [row.application_id, toAutomation(row)]));
  }

  async suspendAutomation(
    applicationId: string,
    suspension: NonNullable<StoredAutomation['suspension']>,
  ) {
    await this.db('gitops_automation')
      .insert({
        application_id: applicationId,
        suspended: true,
        suspended_reason: suspension.reason ?? null,
        suspended_by: suspension.by,
        suspended_at: Date.parse(suspension.at),
        updated_at: Date.now(),
      })
      .onConflict('application_id')
      .merge(SUSPENSION_COLUMNS);
  }

  async pinRevision(
    applicationId: string,
    pin: NonNullable<StoredAutomation['pin']>,
  ) {
    await this.db('gitops_automation')
      .insert({
        application_id: applicationId,
        suspended: false,
        pinned_revision: pin.revision,
        pinned_from: pin.from ?? null,
        pinned_by: pin.by,
        pinned_at: Date.parse(pin.at),
        updated_at: Date.now(),
      })
      .onConflict('application_id')
      .merge(PIN_COLUMNS);
  }

  async unpinRevision(applicationId: string) {
    await this.db('gitops_automation')
      .where({ application_id: applicationId })
      .update({
        pinned_revision: null,
        pinned_from: null,
        pinned_by: null,
        pinned_at: null,
        updated_at: Date.now(),
      });
    await this.db('gitops_automation')
      .where({ application_id: applicationId, suspended: false })
      .delete();
  }

  async resumeAutomation(applicationId: string) {
    await this.db('gitops_automation')
      .where({ application_id: applicationId })
      .delete();
  }

  async recordDeploymentStart(start: DeploymentStart) {
    await recordDeploymentStart(this.db, start);
  }

  async recordDeploymentFinish(runId: string, finish: DeploymentFinish) {
    await recordDeploymentFinish(this.db, runId, finish);
  }

  async recordApplicationHealth(
    applicationId: string,
    state: ApplicationHealthState,
    at: number,
  ) {
    await recordApplicationHealth(this.db, applicationId, state, at);
  }

  async deliveryFigures(scope: DeliveryScope) {
    return deliveryFigures(this.db, scope);
  }

  async deploymentEntitiesOfOwner(
    ownerRef: string,
    period: { from: number; to: number },
  ) {
    return deploymentEntitiesOfOwner(this.db, ownerRef, period);
  }

  async deleteDeploymentsBefore(before: number) {
    return deleteDeploymentsBefore(this.db, before);
  }
}
