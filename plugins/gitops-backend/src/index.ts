/**
 * Mooring's GitOps backend plugin: the agent that keeps Kubernetes clusters
 * equal to Git for catalog components, its REST API, webhooks and actions.
 *
 * @packageDocumentation
 */
export { gitopsPlugin as default } from './plugin';
export { catalogModuleGitops } from './catalog/catalogModuleGitops';
export { searchModuleGitopsCollator } from './search/searchModuleGitopsCollator';
export type { GitopsApplicationDocument } from './search/applicationDocument';
export {
  MooringPermissionPolicy,
  permissionModuleMooringPolicy,
} from './service/MooringPermissionPolicy';
