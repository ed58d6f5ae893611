import { usePermission } from '@backstage/plugin-permission-react';
import { gitopsApplicationSyncPermission } from '@mooring/plugin-gitops-common';

/** Whether the signed-in user may sync, roll back or refresh this entity's applications. */
export interface SyncPermission {
  loading: boolean;
  allowed: boolean;
  /** Why the actions are disabled, for the user; undefined when allowed. */
  reason?: string;
}

export function useSyncPermission(entityRef: string): SyncPermission {
  const { loading, allowed, error } = usePermission({
    permission: gitopsApplicationSyncPermission,
    resourceRef: entityRef,
  });
  if (loading) {
    return { loading, allowed: false, reason: 'Checking your permissions…' };
  }
  if (error) {
    return {
      loading,
      allowed: false,
      reason: `Could not check whether you may sync: ${error.message}`,
    };
  }
  return {
    loading,
    allowed,
    reason: allowed
      ? undefined
      : "You may view this component's deployments but not sync or roll them back: only its owners can. Ask an owner, or to be added to the owning group.",
  };
}
