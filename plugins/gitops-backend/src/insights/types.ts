import type { HealthStatus, SyncStatus } from '@mooring/plugin-gitops-common';

/** What the ledger learns when a sync run starts applying a commit. */
export interface DeploymentStart {
  runId: string;
  applicationId: string;
  /** Stored lower case: entity refs compare case-insensitively. */
  entityRef: string;
  target: string;
  /** The entity's owner at the time (`spec.owner`), when known. */
  ownerRef?: string;
  cluster: string;
  commitSha: string;
  /** Committer date of the commit, in milliseconds since the epoch. */
  commitAt?: number;
  startedAt: number;
  /** A user entity ref, or 'auto' / 'webhook' / 'self-heal'. */
  initiatedBy: string;
  /** A person's rollback to an earlier run's commit. */
  isRollback: boolean;
}

/** What the ledger learns when that run ends. */
export interface DeploymentFinish {
  result: 'Succeeded' | 'Failed' | 'Error';
  finishedAt: number;
  /** The run created, configured or deleted at least one object. */
  changed: boolean;
  /** The application's state right after the run. */
  status: ApplicationHealthState;
}

/** The sync and health of an application at one moment. */
export interface ApplicationHealthState {
  sync: SyncStatus;
  health: HealthStatus;
  /** The commit the application was last synced to. */
  syncedRevision?: string;
}

/**
 * Which deployments a figure counts: those of some entities (optionally one
 * target of theirs), optionally only those whose owner at the time is
 * `ownerRef`; and only those started in `[from, to)` (milliseconds).
 */
export interface DeliveryScope {
  entityRefs: string[];
  target?: string;
  ownerRef?: string;
  from: number;
  to: number;
}

/** A median and 90th percentile (nearest rank) in milliseconds, of `count` values. */
export interface Distribution {
  count: number;
  medianMs?: number;
  p90Ms?: number;
}

/** The four delivery figures over a scope, as the ledger computes them. */
export interface DeliveryFigures {
  deployments: number;
  /** Deployments that failed, ended Degraded, or were rolled back. */
  failures: number;
  leadTime: Distribution;
  timeToRestore: Distribution;
  /** One entry per UTC day that had deployments, oldest first. */
  days: Array<{
    /** Milliseconds since the epoch of the day's UTC midnight. */
    day: number;
    deployments: number;
    failures: number;
    leadTime: Distribution;
  }>;
  /** The targets that have deployments in the scope, sorted. */
  targets: string[];
}
