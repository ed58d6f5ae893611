export { SyncDialog, useFollowedOperation } from './SyncDialog';
export { applicationLabel } from './applicationLabel';
export {
  OperationProgress,
  OperationProgressBar,
  WaitingFor,
} from './OperationProgress';
export { SyncButton } from './SyncButton';
export { TerminateButton } from './TerminateButton';
export { PermissionNote } from './PermissionNote';
export { RefreshButton } from './RefreshButton';
