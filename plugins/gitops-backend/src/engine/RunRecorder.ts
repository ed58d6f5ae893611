import crypto from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type {
  CommitInfo,
  OperationPhase,
  ResourceChange,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type { GitopsStore } from '../store/GitopsStore';
import type { SyncOptions } from './types';

/**
 * Records sync runs and holds the per-application leases that make replicas
 * on one database sync each application once at a time.
 */
export class RunRecorder {
  /** This replica's name in leases and runs. */
  readonly holder = `${process.pid}-${crypto.randomUUID()}`;

  constructor(
    private readonly store: GitopsStore,
    private readonly options: {
      logger: LoggerService;
      /** How long a lease lasts without renewal; a crashed replica's runs end after it. */
      leaseTtlMs: number;
      maxRunsPerApplication: number;
      /**
       * Someone asked (on any replica) to terminate the sync this replica
       * runs for the application: abort it.
       */
      onTerminationRequested?: (applicationId: string, by: string) => void;
    },
  ) {}

  /** Ends runs that a stopped or crashed replica left in Running. */
  async endAbandonedRuns(): Promise<number> {
    const count = await this.store.failAbandonedRuns(
      'The backend stopped during this sync; the next reconcile syncs again',
    );
    if (count) {
      this.options.logger.warn(
        `Ended ${count} sync run(s) left running by a stopped backend`,
      );
    }
    return count;
  }

  /**
   * Takes the application's lease and records a Running run; undefined when
   * another replica holds the lease, or `stillNeeded` says the work is done.
   */
  async begin(
    applicationId: string,
    options: SyncOptions & { defaultRevision: string },
    stillNeeded?: () => Promise<boolean>,
  ): Promise<SyncRun | undefined> {
    const { store, holder } = this;
    if (
      !(await store.tryAcquireLease(
        applicationId,
        holder,
        this.options.leaseTtlMs,
      ))
    ) {
      return undefined;
    }
    // A check that cannot be made (the database, Git) starts no automatic
    // run: the application is looked at again soon.
    if (stillNeeded && !(await stillNeeded().catch(() => false))) {
      await store.releaseLease(applicationId, holder);
      return undefined;
    }
    const run: SyncRun = {
      id: crypto.randomUUID(),
      revision: options.revision || options.defaultRevision || 'HEAD',
      commit: { sha: '', author: '', message: '', date: '' },
      startedAt: new Date().toISOString(),
      phase: 'Running',
      initiatedBy: options.initiatedBy,
      message: 'Sync started',
      dryRun: false,
      changes: [],
    };
    try {
      await store.insertRun({ ...run, applicationId }, holder);
    } catch (error) {
      await store.releaseLease(applicationId, holder);
      throw error;
    }
    return run;
  }

  /**
   * Renews the lease while a sync runs, and looks each time for a request to
   * terminate it (made on another replica; see `terminate`); call the
   * returned function when it ends.
   */
  keepLease(applicationId: string): () => void {
    const { leaseTtlMs, onTerminationRequested } = this.options;
    const { store, holder } = this;
    let asked = false;
    const renew = async () => {
      await store.renewLease(applicationId, holder, leaseTtlMs);
      if (asked || !onTerminationRequested) return;
      const by = await store.terminationRequest(applicationId, holder);
      if (by) {
        asked = true;
        onTerminationRequested(applicationId, by);
      }
    };
    // Often enough that a terminate from another replica lands within seconds.
    const timer = setInterval(
      () => renew().catch(() => undefined),
      Math.min(leaseTtlMs / 3, 5_000),
    );
    timer.unref?.();
    return () => clearInterval(timer);
  }

  /**
   * Asks the replica running the application's sync to stop it; the running
   * run, or undefined when none runs.
   */
  async requestTermination(
    applicationId: string,
    by: string,
  ): Promise<SyncRun | undefined> {
    const run = await this.store.requestTermination(applicationId, by);
    if (!run) return undefined;
    const { applicationId: _, ...rest } = run;
    return rest;
  }

  /**
   * Runs and dry runs per application: read once, then counted as this
   * process records them, so the history is trimmed only once it may hold
   * more than it keeps (a fleet's first runs trim nothing). Runs other
   * replicas record are not counted: with several replicas an
   * application's history may exceed the limit by their runs until the
   * next trim here.
   */
  private runCounts?: Promise<
    Map<string, { runs: number; dryRuns: number }> | undefined
  >;

  /** Counts one recorded run; true when the history may now hold more than it keeps. */
  private async countRun(applicationId: string, dryRun: boolean) {
    this.runCounts ??= this.store.countRuns().catch(() => undefined);
    const counts = await this.runCounts;
    if (!counts) {
      this.runCounts = undefined;
      return true;
    }
    const count = counts.get(applicationId) ?? { runs: 0, dryRuns: 0 };
    counts.set(applicationId, count);
    const key = dryRun ? 'dryRuns' : 'runs';
    count[key]++;
    if (count[key] <= this.options.maxRunsPerApplication) return false;
    count[key] = this.options.maxRunsPerApplication;
    return true;
  }

  /** Trims the application's runs (or dry runs) when they may exceed the limit. */
  private async trim(applicationId: string, dryRun: boolean) {
    if (!(await this.countRun(applicationId, dryRun))) return;
    await this.store.trimRuns(
      applicationId,
      this.options.maxRunsPerApplication,
      dryRun ? 'dryRuns' : 'runs',
    );
  }

  /** Records how a run ended, trims the history and releases the lease. */
  async finish(
    applicationId: string,
    run: SyncRun,
    result: {
      phase: OperationPhase;
      message: string;
      changes: ResourceChange[];
      commit?: CommitInfo;
    },
  ): Promise<void> {
    run.phase = result.phase;
    run.message = result.message;
    run.changes = result.changes;
    run.finishedAt = new Date().toISOString();
    try {
      await this.store.finishRun(run.id, {
        ...result,
        finishedAt: run.finishedAt,
        ...(run.steps?.length ? { steps: run.steps } : {}),
      });
      await this.trim(applicationId, false);
    } finally {
      await this.release(applicationId);
    }
  }

  /** Records a run that is already over, e.g. a person's restart or scale (it takes no lease). */
  async recordFinishedRun(applicationId: string, run: SyncRun): Promise<void> {
    await this.recordDryRun(applicationId, run);
  }

  /** Records a finished dry run (it takes no lease). */
  async recordDryRun(applicationId: string, run: SyncRun): Promise<void> {
    await this.store.insertRun({ ...run, applicationId }, this.holder);
    await this.trim(applicationId, Boolean(run.dryRun));
  }

  /** Runs `work` under the application's lease; undefined when another replica holds it. */
  async withLease<T>(
    applicationId: string,
    work: () => Promise<T>,
  ): Promise<T | undefined> {
    if (
      !(await this.store.tryAcquireLease(
        applicationId,
        this.holder,
        this.options.leaseTtlMs,
      ))
    ) {
      return undefined;
    }
    try {
      return await work();
    } finally {
      await this.release(applicationId);
    }
  }

  async history(applicationId: string, limit?: number): Promise<SyncRun[]> {
    const max = Math.min(
      Math.max(1, limit ?? this.options.maxRunsPerApplication),
      1000,
    );
    const runs = await this.store.listRuns(applicationId, max);
    return runs.map(({ applicationId: _, ...run }) => run);
  }

  async getRun(applicationId: string, runId: string) {
    return this.store.getRun(applicationId, runId);
  }

  private async release(applicationId: string) {
    await this.store
      .releaseLease(applicationId, this.holder)
      .catch(() => undefined);
  }
}
