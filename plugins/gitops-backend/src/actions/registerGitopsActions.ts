import { registerGetApplicationStatusAction } from './getApplicationStatusAction';
import type { GitopsActionOptions } from './GitopsActionOptions';
import { registerListApplicationHistoryAction } from './listApplicationHistoryAction';
import { registerSyncApplicationAction } from './syncApplicationAction';

/**
 * Mooring's actions in Backstage's actions registry, for automation and AI
 * assistants. Each checks the caller's permissions exactly as the REST API does.
 */
export function registerGitopsActions(options: GitopsActionOptions) {
  registerGetApplicationStatusAction(options);
  registerListApplicationHistoryAction(options);
  registerSyncApplicationAction(options);
}
