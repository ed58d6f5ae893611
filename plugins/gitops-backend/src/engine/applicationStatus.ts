import type {
  Application,
  ApplicationStatus,
  Automation,
  HealthStatus,
  Operation,
} from '@mooring/plugin-gitops-common';
import type { ApplicationSpec, EngineEvent } from './types';

/**
 * What the engine knows of one application. Status is never written: it is
 * derived from these facts by {@link applicationStatus}.
 */
export interface StatusFacts {
  /** The commit the source resolves to now. */
  targetRevision?: string;
  /** The commit last applied (or found already applied). */
  syncedRevision?: string;
  /** The outcome of the last comparison with the cluster. */
  comparison?: {
    synced: boolean;
    health: HealthStatus;
    message: string;
    /** Why syncing is refused (grant or ownership); the status says so. */
    refusal?: string;
  };
  /**
   * Why the last reconcile could not compare (Git, rendering, the cluster);
   * while set, sync is Unknown. `healthUnknown` when the cluster itself could
   * not be read, so health is not known either. `fromSource` for Git and
   * rendering: a comparison against the live objects alone does not end it.
   */
  problem?: { message: string; healthUnknown?: boolean; fromSource?: boolean };
  /**
   * The cluster could not be read just now (a watch retrying, a read that
   * failed after its retries) and is being asked again within seconds: the
   * last comparison stands, the message says so. Since when (ms since the
   * epoch) it fails, for when it counts as unreachable (then `problem`).
   */
  retrying?: { message: string; since: number };
  /** The running or last operation. */
  operation?: Operation;
  /** When the last reconcile recorded a comparison or a problem. */
  reconciledAt?: string;
  /**
   * Why automation does nothing (suspended, pinned, a sync window), when it
   * does not; see `automationStatus`.
   */
  automation?: Automation;
}

/**
 * The one function that turns an application's facts into its status.
 * While its cluster is being retried, an application keeps the sync and
 * health of its last comparison; only a problem (a cluster unreachable for
 * longer, Git, rendering) makes them Unknown.
 */
export function applicationStatus(facts: StatusFacts): ApplicationStatus {
  const { comparison, problem } = facts;
  let sync: ApplicationStatus['sync'] = 'Unknown';
  if (!problem && comparison) {
    sync = comparison.synced && !comparison.refusal ? 'Synced' : 'OutOfSync';
  }
  return {
    sync,
    health:
      problem?.healthUnknown || !comparison ? 'Unknown' : comparison.health,
    message:
      problem?.message ??
      facts.retrying?.message ??
      comparison?.refusal ??
      comparison?.message ??
      'Waiting for the first reconcile',
    ...(!problem && comparison?.refusal ? { refusal: comparison.refusal } : {}),
    ...(facts.syncedRevision ? { syncedRevision: facts.syncedRevision } : {}),
    ...(facts.targetRevision ? { targetRevision: facts.targetRevision } : {}),
    ...(facts.reconciledAt ? { reconciledAt: facts.reconciledAt } : {}),
    ...(facts.operation ? { operation: facts.operation } : {}),
    ...(facts.automation ? { automation: facts.automation } : {}),
  };
}

/**
 * The events a status change tells the outside world: every visible change,
 * and drift appearing or going away at the synced commit.
 */
export function statusEvents(
  before: ApplicationStatus,
  after: ApplicationStatus,
  application: Application,
): EngineEvent[] {
  const changed =
    before.sync !== after.sync ||
    before.health !== after.health ||
    before.message !== after.message ||
    before.refusal !== after.refusal ||
    before.syncedRevision !== after.syncedRevision ||
    before.targetRevision !== after.targetRevision ||
    before.operation?.phase !== after.operation?.phase ||
    before.operation?.id !== after.operation?.id ||
    // A running sync's progress, so the page follows it live.
    before.operation?.progress?.done !== after.operation?.progress?.done ||
    before.operation?.waitingFor !== after.operation?.waitingFor ||
    before.operation?.steps?.length !== after.operation?.steps?.length;
  if (!changed) return [];
  const events: EngineEvent[] = [{ type: 'status', application }];
  const atTarget =
    after.syncedRevision && after.syncedRevision === after.targetRevision;
  if (
    atTarget &&
    !after.refusal &&
    before.sync === 'Synced' &&
    after.sync === 'OutOfSync'
  ) {
    events.push({ type: 'driftDetected', application });
  } else if (
    atTarget &&
    before.sync === 'OutOfSync' &&
    after.sync === 'Synced'
  ) {
    events.push({ type: 'driftResolved', application });
  }
  return events;
}

/** An application as the API shows it: its spec and its derived status. */
export function applicationOf(
  spec: ApplicationSpec,
  facts: StatusFacts,
): Application {
  return {
    id: spec.id,
    entityRef: spec.entityRef,
    ...(spec.owner ? { owner: spec.owner } : {}),
    target: spec.target,
    source: { ...spec.source },
    destination: { ...spec.destination },
    policy: {
      sync: spec.policy.sync,
      prune: spec.policy.prune,
      selfHeal: spec.policy.selfHeal,
    },
    status: applicationStatus(facts),
  };
}
