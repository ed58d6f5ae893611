export { ChangeSet, summarizeChanges } from './ChangeSet';
