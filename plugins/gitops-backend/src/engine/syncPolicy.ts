import type { ApplicationStatus } from '@mooring/plugin-gitops-common';
import type { StoredAutomation } from '../store/GitopsStore';
import type { Comparison } from './planSync';
import type { RenderedRevision } from './renderRevision';
import type { ApplicationSpec } from './types';

const MAX_BACKOFF_MS = 5 * 60_000;
/** Self-heals further apart than this start a new back-off series. */
const SELF_HEAL_QUIET_MS = 60_000;

/** Exponential back-off from `baseMs`, doubling per failure, capped at five minutes. */
export function backoff(baseMs: number, failures: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
}

/** What automation remembers of one application between reconciles. */
export interface AutomationState {
  autoFailures: number;
  nextAutoAttempt: number;
  selfHeals: number;
  nextSelfHeal: number;
  lastSelfHeal: number;
  /**
   * The suspension and the rollback pin, as last read from the database;
   * read again before every automatic sync, since any replica may change them.
   */
  steering: StoredAutomation;
  /** When the last read of this application's own `steering` began (ms since the epoch). */
  steeringReadAt?: number;
  /**
   * The commit self-heal guards while a newer one waits for a person (see
   * `automaticSyncDue`), rendered and compared apart from the target.
   */
  guard?: { rendered: RenderedRevision; comparisons: Map<string, Comparison> };
  /**
   * A sync of this commit was refused (the owner's grant, another
   * application's objects): automation does not try it again while the
   * refusal stands; a new commit or a person's sync does.
   */
  refusedRevision?: string;
}

export function initialAutomation(): AutomationState {
  return {
    autoFailures: 0,
    nextAutoAttempt: 0,
    selfHeals: 0,
    nextSelfHeal: 0,
    lastSelfHeal: 0,
    steering: {},
  };
}

/**
 * An automatic sync: `auto` applies the target commit; `self-heal` sets the
 * cluster back to the synced commit. When a newer commit waits (for a
 * person, or behind a rollback's pin) `revision` is the synced (or pinned)
 * commit self-heal guards: it re-applies that one, never the newer commit,
 * and only after a comparison with it shows drift.
 */
export type AutomaticSync =
  | { reason: 'auto' }
  | { reason: 'self-heal'; revision?: string };

/**
 * Which automatic sync, if any, the policy asks for now, each after its
 * back-off. Nothing while suspended. `auto` for a new commit, unless a
 * rollback pinned the application (then automation leaves newer commits
 * alone until resumed, as Argo CD does by turning auto-sync off).
 * `self-heal` for drift from the synced commit, or from the pinned one.
 * A commit whose sync was refused is not tried again while the refusal stands.
 */
export function automaticSyncDue(
  spec: ApplicationSpec,
  status: ApplicationStatus,
  automation: AutomationState,
  now: number,
): AutomaticSync | undefined {
  const target = status.targetRevision;
  if (automation.steering.suspension) return undefined;
  if (!target || status.sync !== 'OutOfSync') return undefined;
  const refused =
    Boolean(status.refusal) && automation.refusedRevision === target;
  const pinned = automation.steering.pin?.revision;
  const synced = status.syncedRevision;
  if (spec.policy.sync === 'auto' && !pinned && target !== synced) {
    if (refused) return undefined;
    return now >= automation.nextAutoAttempt ? { reason: 'auto' } : undefined;
  }
  const guarded = pinned ?? synced;
  if (!spec.policy.selfHeal || !guarded || now < automation.nextSelfHeal) {
    return undefined;
  }
  if (guarded !== target) return { reason: 'self-heal', revision: guarded };
  return refused ? undefined : { reason: 'self-heal' };
}

/**
 * Counts a self-heal: when something keeps undoing Mooring's changes, the
 * heals back off (1 s, 2 s, 4 s… after the first) so the two do not spin.
 */
export function recordSelfHeal(automation: AutomationState, now: number) {
  if (now - automation.lastSelfHeal > SELF_HEAL_QUIET_MS) {
    automation.selfHeals = 0;
  }
  automation.selfHeals++;
  automation.lastSelfHeal = now;
  automation.nextSelfHeal = now + backoff(1000, automation.selfHeals) - 1000;
}

/** Counts a finished sync: failures push the next automatic attempt back. */
export function recordSyncOutcome(
  automation: AutomationState,
  succeeded: boolean,
  now: number,
) {
  if (succeeded) {
    automation.autoFailures = 0;
    automation.nextAutoAttempt = 0;
    automation.refusedRevision = undefined;
  } else {
    automation.autoFailures++;
    automation.nextAutoAttempt = now + backoff(5_000, automation.autoFailures);
  }
}
