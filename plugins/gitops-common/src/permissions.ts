import { createPermission } from '@backstage/plugin-permission-common';

/** @public Read an application's status, resources, diff and history. */
export const gitopsApplicationReadPermission = createPermission({
  name: 'gitops.application.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});

/** @public Sync, roll back or refresh an application. */
export const gitopsApplicationSyncPermission = createPermission({
  name: 'gitops.application.sync',
  attributes: { action: 'update' },
  resourceType: 'catalog-entity',
});

/** @public */
export const gitopsPermissions = [
  gitopsApplicationReadPermission,
  gitopsApplicationSyncPermission,
];
