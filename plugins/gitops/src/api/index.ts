export { gitopsApiRef } from './GitopsApi';
export type { GitopsApi, InsightsQuery } from './GitopsApi';
export { GitopsClient } from './GitopsClient';
export type {
  ApplicationPage,
  ApplicationQuery,
  KubernetesEvent,
  LogsRequest,
  ResourceActionRequest,
  ResourceIdentity,
  ResourceManifests,
} from './operating';
