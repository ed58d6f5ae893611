export { SyncSteps } from './SyncSteps';
