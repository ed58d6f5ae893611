export type {
  ApplicationSpec,
  EngineEvent,
  GitopsEngine,
  SyncOptions,
} from './types';
export { createGitopsEngine } from './createGitopsEngine';
export type {
  CreateGitopsEngineOptions,
  StartableGitopsEngine,
} from './createGitopsEngine';
