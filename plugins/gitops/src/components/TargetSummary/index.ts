export { TargetSummary, findSyncedRun } from './TargetSummary';
