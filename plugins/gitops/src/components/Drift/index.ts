export { DriftPanel } from './DriftPanel';
export { DiffView } from './DiffView';
