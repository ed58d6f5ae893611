export {
  SyncDialog,
  applicationLabel,
  useFollowedOperation,
} from './SyncDialog';
export { OperationProgress, OperationProgressBar } from './OperationProgress';
export { SyncButton } from './SyncButton';
export { PermissionNote } from './PermissionNote';
export { RefreshButton } from './RefreshButton';
