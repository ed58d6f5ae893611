import type { ApplicationStatus } from '@mooring/plugin-gitops-common';
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
  /** After a rollback, automation leaves this target commit alone. */
  pinnedFrom?: string;
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
  };
}

/**
 * Which automatic sync, if any, the policy asks for now: `auto` for a new
 * commit (not the one a rollback moved away from), `self-heal` for drift at
 * the synced commit; each waits out its back-off.
 */
export function automaticSyncDue(
  spec: ApplicationSpec,
  status: ApplicationStatus,
  automation: AutomationState,
  now: number,
): 'auto' | 'self-heal' | undefined {
  const target = status.targetRevision;
  if (!target || status.sync !== 'OutOfSync') return undefined;
  if (status.refusal && automation.refusedRevision === target) return undefined;
  if (
    spec.policy.sync === 'auto' &&
    target !== status.syncedRevision &&
    target !== automation.pinnedFrom
  ) {
    return now >= automation.nextAutoAttempt ? 'auto' : undefined;
  }
  if (spec.policy.selfHeal && target === status.syncedRevision) {
    return now >= automation.nextSelfHeal ? 'self-heal' : undefined;
  }
  return undefined;
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
