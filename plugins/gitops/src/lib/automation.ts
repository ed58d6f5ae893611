import type { Application } from '@mooring/plugin-gitops-common';
import type { SyncPermission } from '../hooks';

/**
 * Why the user cannot start a sync or a rollback of the application now, in words for
 * a tooltip; undefined when they can.
 */
export function whySyncIsBlocked(
  app: Application,
  permission: SyncPermission,
): string | undefined {
  if (permission.reason) return permission.reason;
  const { operation, automation } = app.status;
  if (operation?.phase === 'Running' && !operation.dryRun) {
    return 'A sync is running; wait for it to finish.';
  }
  if (automation?.manualSyncBlocked) {
    return `A sync window refuses manual syncs now: ${
      automation.window ?? 'ask your platform team which one'
    }`;
  }
  return undefined;
}

/** Whether anything automatic (auto-sync or self-heal) runs for the application. */
export function hasAutomation(app: Application): boolean {
  return app.policy.sync === 'auto' || app.policy.selfHeal;
}
