export { HistoryTable } from './HistoryTable';
export { RollbackDialog } from './RollbackDialog';
