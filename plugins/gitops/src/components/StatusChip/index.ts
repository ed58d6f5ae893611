export { SyncStatusChip, HealthStatusChip, PhaseChip } from './StatusChip';
