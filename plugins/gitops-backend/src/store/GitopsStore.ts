import type {
  CommitInfo,
  OperationPhase,
  ResourceChange,
  SyncRun,
  SyncStep,
} from '@mooring/plugin-gitops-common';
import type { Inventory } from '../apply/inventory';

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
  /** Deletes all but the newest `keep` finished runs of an application. */
  trimRuns(applicationId: string, keep: number): Promise<void>;
  /**
   * Ends every run left in `Running` by an engine that stopped (its lease on
   * the application expired or was released); returns how many.
   */
  failAbandonedRuns(message: string): Promise<number>;

  getInventory(applicationId: string): Promise<StoredInventory | undefined>;
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
}
