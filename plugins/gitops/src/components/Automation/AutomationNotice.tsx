import Alert from '@material-ui/lab/Alert';
import Box from '@material-ui/core/Box';
import type { Application } from '@mooring/plugin-gitops-common';
import type { SyncPermission } from '../../hooks';
import { describeInitiator } from '../../lib/initiator';
import { shortSha } from '../../lib/commitUrl';
import { formatRelativeTime, formatTimestamp } from '../../lib/time';
import { ResumeButton } from './ResumeButton';

function who(ref: string | undefined): string {
  return ref ? describeInitiator(ref).label : 'someone';
}

/**
 * Why automation does nothing for an application, when it does not: suspended by a
 * person, pinned to an older commit by a rollback, or held by a sync window. People who
 * may sync get the button that resumes it.
 */
export function AutomationNotice(props: {
  app: Application;
  permission: SyncPermission;
}) {
  const { app, permission } = props;
  const automation = app.status.automation;
  if (!automation) return null;
  const { suspended, pinnedRevision, window } = automation;
  const held = suspended || !!pinnedRevision;
  return (
    <Box>
      {held ? (
        <Alert
          severity={suspended ? 'warning' : 'info'}
          style={{ marginTop: 8 }}
          action={
            permission.allowed ? (
              <ResumeButton
                app={app}
                label={pinnedRevision ? 'Resume automation' : 'Resume'}
              />
            ) : undefined
          }
        >
          {suspended ? (
            <div>
              Automation suspended by {who(automation.by)}{' '}
              {automation.at ? (
                <span title={formatTimestamp(automation.at)}>
                  {formatRelativeTime(automation.at)}
                </span>
              ) : null}
              {automation.reason ? `: ${automation.reason}` : ''}
            </div>
          ) : null}
          {pinnedRevision ? (
            <div>
              Pinned at{' '}
              <code title={pinnedRevision}>{shortSha(pinnedRevision)}</code>{' '}
              after a rollback by {who(automation.pinnedBy ?? automation.by)};
              automation leaves newer commits alone
            </div>
          ) : null}
        </Alert>
      ) : null}
      {window ? (
        <Alert
          severity={automation.manualSyncBlocked ? 'warning' : 'info'}
          style={{ marginTop: 8 }}
        >
          <div>Automation waits: {window}</div>
          {automation.manualSyncBlocked ? (
            <div>Manual syncs wait too.</div>
          ) : null}
        </Alert>
      ) : null}
    </Box>
  );
}
