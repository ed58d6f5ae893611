/**
 * Mooring's frontend: the component card and Deployments tab with sync status, drift,
 * history, Sync and Rollback.
 *
 * @packageDocumentation
 */
export {
  gitopsPlugin,
  EntityGitopsCard,
  EntityGitopsContent,
  EntityDeliveryCard,
  GitopsFleetPage,
} from './plugin';
export { gitopsApiRef, GitopsClient } from './api';
export type {
  ApplicationPage,
  ApplicationQuery,
  GitopsApi,
  InsightsQuery,
  KubernetesEvent,
  LogsRequest,
  ResourceActionRequest,
  ResourceIdentity,
  ResourceManifests,
} from './api';
/** Re-exported for the legacy app's card and tab filters. */
export { isGitopsAvailable } from '@mooring/plugin-gitops-common';
