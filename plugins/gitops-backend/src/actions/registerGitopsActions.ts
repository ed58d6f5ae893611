import { registerGetApplicationDiffAction } from './getApplicationDiffAction';
import { registerGetApplicationStatusAction } from './getApplicationStatusAction';
import type { GitopsActionOptions } from './GitopsActionOptions';
import { registerListApplicationHistoryAction } from './listApplicationHistoryAction';
import { registerRefreshApplicationAction } from './refreshApplicationAction';
import { registerRollbackApplicationAction } from './rollbackApplicationAction';
import { registerSyncApplicationAction } from './syncApplicationAction';

/**
 * Mooring's actions in Backstage's actions registry, for automation and AI
 * assistants. Each checks the caller's permissions exactly as the REST API does.
 */
export function registerGitopsActions(options: GitopsActionOptions) {
  registerGetApplicationStatusAction(options);
  registerListApplicationHistoryAction(options);
  registerSyncApplicationAction(options);
  registerRollbackApplicationAction(options);
  registerRefreshApplicationAction(options);
  registerGetApplicationDiffAction(options);
}
