import type {
  CommitInfo,
  OperationPhase,
  ResourceChange,
  SyncRun,
  SyncStep,
} from '@mooring/plugin-gitops-common';
import type { Inventory } from '../apply/inventory';
import type {
  ApplicationHealthState,
  DeliveryFigures,
  DeliveryScope,
  DeploymentFinish,
  DeploymentStart,
} from '../insights/types';

/** A run as stored: the API's `SyncRun` plus its application. */
export interface StoredRun extends SyncRun {
  applicationId: string;
}

/** What an application applied, and the commit it last applied successfully. */
export interface StoredInventory {
  cluster: string;
  entries: Inventory;
  syncedRevision?: string;
}

/**
 * What people decided about an application's automation. Every replica reads
 * it before an automatic sync starts, so a suspension or a rollback holds
 * everywhere and over restarts.
 */
export interface StoredAutomation {
  /** Auto-sync and self-heal are paused until resumed. */
  suspension?: { reason?: string; by: string; at: string };
  /**
   * After a rollback: the commit the application stays at (`revision`) and
   * the target it was moved away from (`from`); automation leaves newer
   * commits alone until resumed.
   */
  pin?: { revision: string; from?: string; by: string; at: string };
}

/** Where the engine keeps what must survive a restart and be shared by replicas. */
export interface GitopsStore {
  insertRun(run: StoredRun, holder: string): Promise<void>;
  finishRun(
    id: string,
    result: {
      phase: OperationPhase;
      message: string;
      changes: ResourceChange[];
      commit?: CommitInfo;
      finishedAt: string;
      /** Phases and waves of the sync, with timing. */
      steps?: SyncStep[];
    },
  ): Promise<void>;
  listRuns(applicationId: string, limit: number): Promise<StoredRun[]>;
  getRun(applicationId: string, runId: string): Promise<StoredRun | undefined>;
  /**
   * Deletes all but the newest `keep` finished runs of an application, and
   * all but the newest `keep` dry runs: previews never push real runs (the
   * rollback targets) out. `only` trims one of the two (what was just added).
   */
  /** How many runs and dry runs each application has recorded (one query). */
  countRuns(): Promise<Map<string, { runs: number; dryRuns: number }>>;
  trimRuns(
    applicationId: string,
    keep: number,
    only?: 'runs' | 'dryRuns',
  ): Promise<void>;
  /**
   * Ends every run left in `Running` by an engine that stopped (its lease on
   * the application expired or was released); returns how many.
   */
  failAbandonedRuns(message: string): Promise<number>;

  getInventory(applicationId: string): Promise<StoredInventory | undefined>;
  /** Every application's inventory, by application id (one query, for a start-up). */
  listInventories(): Promise<Map<string, StoredInventory>>;
  saveInventory(
    applicationId: string,
    inventory: StoredInventory,
  ): Promise<void>;
  deleteInventory(applicationId: string): Promise<void>;

  /** Takes the application's lease for `ttlMs` when free, expired or already ours. */
  tryAcquireLease(
    applicationId: string,
    holder: string,
    ttlMs: number,
  ): Promise<boolean>;
  /** Extends our lease; false when we lost it. */
  renewLease(
    applicationId: string,
    holder: string,
    ttlMs: number,
  ): Promise<boolean>;
  releaseLease(applicationId: string, holder: string): Promise<void>;

  /**
   * Asks whichever replica runs the application's running sync to stop it;
   * returns that run, or undefined when none is running.
   */
  requestTermination(
    applicationId: string,
    by: string,
  ): Promise<StoredRun | undefined>;
  /** Who asked to terminate the sync `holder` runs for the application, if anyone. */
  terminationRequest(
    applicationId: string,
    holder: string,
  ): Promise<string | undefined>;

  /** The application's suspension and pin; `{}` when it has neither. */
  getAutomation(applicationId: string): Promise<StoredAutomation>;
  /** Every application's suspension and pin (those with neither are left out). */
  listAutomation(): Promise<Map<string, StoredAutomation>>;
  /** Suspends auto-sync and self-heal (replacing an earlier suspension). */
  suspendAutomation(
    applicationId: string,
    suspension: NonNullable<StoredAutomation['suspension']>,
  ): Promise<void>;
  /** Pins the application after a rollback (replacing an earlier pin). */
  pinRevision(
    applicationId: string,
    pin: NonNullable<StoredAutomation['pin']>,
  ): Promise<void>;
  /** Removes the pin, keeping a suspension. */
  unpinRevision(applicationId: string): Promise<void>;
  /** Removes the suspension and the pin. */
  resumeAutomation(applicationId: string): Promise<void>;

  /**
   * The deployments ledger, kept by age rather than by count (see
   * `insights/deploymentLedger.ts` for what counts as a deployment).
   * Records that a sync run starts applying a commit (once per run).
   */
  recordDeploymentStart(start: DeploymentStart): Promise<void>;
  /** Records how that run ended and the application's state right after. */
  recordDeploymentFinish(
    runId: string,
    finish: DeploymentFinish,
  ): Promise<void>;
  /**
   * Records a status change of the application seen at `at` (milliseconds):
   * live, failed (Degraded before live) or restored. Idempotent, so every
   * replica may report the same change.
   */
  recordApplicationHealth(
    applicationId: string,
    state: ApplicationHealthState,
    at: number,
  ): Promise<void>;
  /** Deployment frequency, lead time, change failure rate and time to restore over a scope. */
  deliveryFigures(scope: DeliveryScope): Promise<DeliveryFigures>;
  /** The entities (lower case) deployed in the period while `ownerRef` owned them. */
  deploymentEntitiesOfOwner(
    ownerRef: string,
    period: { from: number; to: number },
  ): Promise<string[]>;
  /** Deletes the ledger rows of runs started before `before` (milliseconds); returns how many. */
  deleteDeploymentsBefore(before: number): Promise<number>;
}
