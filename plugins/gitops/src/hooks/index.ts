export { useApplications } from './useApplications';
export type { ApplicationsState } from './useApplications';
export { useHistory, useResources, useDiff } from './useApplicationData';
export type { ApplicationDataState } from './useApplicationData';
export { useSyncPermission } from './useSyncPermission';
export type { SyncPermission } from './useSyncPermission';
export { useGitopsStore } from './useGitopsStore';
export {
  GitopsStore,
  DEFAULT_POLLING,
  applicationVersion,
} from './GitopsStore';
export type { Snapshot, PollingOptions, GitopsSignal } from './GitopsStore';
