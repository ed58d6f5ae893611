import { ConflictError } from '@backstage/errors';
import type { Automation } from '@mooring/plugin-gitops-common';
import type { StoredAutomation } from '../store/GitopsStore';
import type { ApplicationState } from './ApplicationRegistry';
import { compareApplication } from './compareApplication';
import { EngineContext, scopeFor } from './engineContext';
import { ignoreRulesFor } from './ignoreRules';
import { renderRevision } from './renderRevision';
import type { SyncWindows, WindowSubject, WindowVerdict } from './syncWindows';
import type { ApplicationSpec } from './types';

/** What automation needs beyond the engine context. */
export interface AutomationContext extends EngineContext {
  /** `gitops.syncWindows`. */
  windows: SyncWindows;
}

export function windowSubject(spec: ApplicationSpec): WindowSubject {
  return {
    id: spec.id,
    entityRef: spec.entityRef,
    cluster: spec.destination.cluster,
  };
}

/**
 * `Application.status.automation`: why automation does nothing, when it
 * does not (suspended, pinned after a rollback, held by a sync window);
 * undefined while it runs as its policy says.
 */
export function automationStatus(
  steering: StoredAutomation,
  verdict: WindowVerdict,
): Automation | undefined {
  const { suspension, pin } = steering;
  if (!suspension && !pin && !verdict.reason) return undefined;
  let who: Pick<Automation, 'reason' | 'by' | 'at'> = {};
  if (suspension) {
    who = {
      ...(suspension.reason ? { reason: suspension.reason } : {}),
      by: suspension.by,
      at: suspension.at,
    };
  } else if (pin) {
    who = { at: pin.at };
  }
  return {
    suspended: Boolean(suspension),
    ...who,
    ...(pin ? { pinnedRevision: pin.revision, pinnedBy: pin.by } : {}),
    ...(verdict.reason ? { window: verdict.reason } : {}),
    ...(verdict.manual ? {} : { manualSyncBlocked: true }),
  };
}

/** Shows the application's automation as it stands now (the windows move with the clock). */
export function showAutomation(
  ctx: AutomationContext,
  state: ApplicationState,
  now = new Date(),
): void {
  const automation = automationStatus(
    state.automation.steering,
    ctx.windows.verdict(windowSubject(state.spec), now),
  );
  if (JSON.stringify(automation) !== JSON.stringify(state.facts.automation)) {
    ctx.update(state, { automation });
  }
}

/**
 * Reads the application's suspension and pin from the database (another
 * replica, or this one before a restart, may have set them) and shows them.
 */
export async function readSteering(
  ctx: AutomationContext,
  state: ApplicationState,
): Promise<StoredAutomation> {
  const readAt = Date.now();
  state.automation.steering = await ctx.store.getAutomation(state.spec.id);
  state.automation.steeringReadAt = readAt;
  showAutomation(ctx, state);
  return state.automation.steering;
}

/** Throws a `ConflictError` when a sync window refuses manual syncs of the application now. */
export function refuseManualSyncInWindow(
  ctx: AutomationContext,
  state: ApplicationState,
): void {
  const verdict = ctx.windows.verdict(windowSubject(state.spec));
  if (verdict.manual) return;
  throw new ConflictError(
    `A sync window refuses manual syncs of ${state.spec.id} now: ${verdict.reason}. Wait until it closes, or ask your platform team to set manualSync: true on it`,
  );
}

/**
 * Whether the application's objects drifted from `sha` (the synced or
 * pinned commit self-heal guards while a newer one waits). That commit is
 * rendered and compared apart from the target, reusing what the last such
 * comparison learned, so an unchanged cluster costs no API call.
 */
export async function driftFrom(
  ctx: EngineContext,
  state: ApplicationState,
  sha: string,
): Promise<boolean> {
  const { spec } = state;
  const guard = state.automation.guard;
  const rendered = await renderRevision(
    ctx,
    spec,
    sha,
    guard?.rendered ?? state.rendered,
    scopeFor(ctx, state),
  );
  const previous = guard?.rendered.sha === sha ? guard.comparisons : new Map();
  const { cache, client, authorization } = ctx.clusterFor(state);
  const comparison = await compareApplication({
    authorization,
    applicationId: spec.id,
    rendered,
    inventory: await ctx.loadInventory(state),
    previous,
    cache,
    client,
    healthChecks: ctx.healthChecks,
    ignoreDifferences: ignoreRulesFor(ctx, spec),
  });
  const comparisons = new Map(previous);
  for (const [key, value] of comparison.plan.comparisons) {
    comparisons.set(key, value);
  }
  state.automation.guard = { rendered, comparisons };
  // Objects left over from older commits wait for a sync with prune; they are not drift.
  return (
    !comparison.refusal &&
    comparison.plan.objects.some(p => p.action !== 'unchanged' && !p.refused)
  );
}
