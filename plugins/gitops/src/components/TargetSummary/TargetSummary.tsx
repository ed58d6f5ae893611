import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import Alert from '@material-ui/lab/Alert';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import { useHistory, SyncPermission } from '../../hooks';
import { describeInitiator } from '../../lib/initiator';
import { formatRelativeTime, formatTimestamp } from '../../lib/time';
import { CommitLink } from '../CommitInfo';
import { HealthStatusChip, SyncStatusChip } from '../StatusChip';
import {
  OperationProgressBar,
  RefreshButton,
  SyncButton,
  TerminateButton,
  WaitingFor,
} from '../SyncDialog';
import { AutomationNotice, SuspendButton } from '../Automation';
import { hasAutomation } from '../../lib/automation';

/** The run that applied the synced revision, or the newest successful run. */
export function findSyncedRun(
  app: Application,
  runs: SyncRun[] | undefined,
): SyncRun | undefined {
  const applied = (runs ?? []).filter(
    r => r.phase === 'Succeeded' && !r.dryRun,
  );
  const synced = app.status.syncedRevision;
  return (
    (synced
      ? applied.find(r => r.commit?.sha === synced || r.revision === synced)
      : undefined) ?? applied[0]
  );
}

function Policy(props: { app: Application }) {
  const { policy } = props.app;
  const words = [
    policy.sync === 'auto' ? 'auto-sync' : 'manual sync',
    policy.prune ? 'prune' : undefined,
    policy.selfHeal ? 'self-heal' : undefined,
  ].filter(Boolean);
  return <>{words.join(' · ')}</>;
}

/**
 * One target of a component: status in words and colour, the synced commit, time since
 * the last sync, the running operation (with Terminate), why automation does nothing
 * when it does not, and the Sync, Refresh and Suspend buttons.
 */
export function TargetSummary(props: {
  app: Application;
  permission: SyncPermission;
  headingLevel?: 'h3' | 'h4';
}) {
  const { app, permission } = props;
  const { status, source, destination } = app;
  const history = useHistory(app);
  const run = findSyncedRun(app, history.value);
  const operation =
    status.operation && !status.operation.dryRun ? status.operation : undefined;
  const syncedSha = status.syncedRevision ?? run?.commit?.sha;
  const behind =
    status.targetRevision && syncedSha && status.targetRevision !== syncedSha;

  const failed =
    operation && (operation.phase === 'Failed' || operation.phase === 'Error')
      ? operation
      : undefined;
  return (
    <Box
      component="section"
      aria-label={`Target ${app.target}`}
      data-testid={`gitops-target-${app.target}`}
    >
      <Box display="flex" alignItems="baseline" flexWrap="wrap">
        <Typography
          variant="h6"
          component={props.headingLevel ?? 'h3'}
          style={{ marginRight: 8 }}
        >
          {app.target}
        </Typography>
        <Typography variant="caption" color="textSecondary">
          {destination.cluster} / {destination.namespace} · <Policy app={app} />
        </Typography>
      </Box>
      <Box my={0.5}>
        <SyncStatusChip status={status.sync} />
        <HealthStatusChip status={status.health} />
      </Box>
      <Typography variant="body2" component="div">
        {syncedSha ? (
          <>
            Synced to <CommitLink repoUrl={source.repoUrl} sha={syncedSha} />
            {run?.commit?.message ? (
              <> “{run.commit.message.split('\n')[0]}”</>
            ) : null}
            {run?.commit?.author ? <> by {run.commit.author}</> : null}
          </>
        ) : (
          'Never synced'
        )}
      </Typography>
      {behind ? (
        <Typography variant="body2" component="div">
          Git is at{' '}
          <CommitLink repoUrl={source.repoUrl} sha={status.targetRevision!} />
          {source.revision ? ` (${source.revision})` : ''}
        </Typography>
      ) : null}
      <Typography variant="body2" color="textSecondary" component="div">
        {run?.finishedAt ? (
          <span title={formatTimestamp(run.finishedAt)}>
            Last synced {formatRelativeTime(run.finishedAt)} (
            {describeInitiator(run.initiatedBy).label})
          </span>
        ) : null}
        {run?.finishedAt && status.reconciledAt ? ' · ' : null}
        {status.reconciledAt ? (
          <span title={formatTimestamp(status.reconciledAt)}>
            checked {formatRelativeTime(status.reconciledAt)}
          </span>
        ) : null}
      </Typography>
      {operation?.phase === 'Running' ? (
        <Box>
          <Box display="flex" alignItems="center">
            <Typography variant="body2" style={{ flex: 1 }}>
              Sync running, started by{' '}
              {describeInitiator(operation.initiatedBy).label}
            </Typography>
            <TerminateButton app={app} operation={operation} />
          </Box>
          <OperationProgressBar operation={operation} />
          <WaitingFor operation={operation} />
        </Box>
      ) : null}
      {failed ? (
        <Alert severity="error" style={{ marginTop: 8 }}>
          Last sync {failed.phase.toLowerCase()}: {failed.message}
        </Alert>
      ) : null}
      {/* A refusal is both the status and the failed sync: say it once. */}
      {status.message && !(failed && failed.message === status.message) ? (
        <Alert
          severity={
            status.sync === 'Unknown' || status.health === 'Unknown'
              ? 'error'
              : 'warning'
          }
          style={{ marginTop: 8 }}
        >
          {status.message}
        </Alert>
      ) : null}
      <AutomationNotice app={app} permission={permission} />
      <Box mt={1}>
        <SyncButton app={app} permission={permission} />{' '}
        <RefreshButton app={app} permission={permission} />
        {permission.allowed &&
        hasAutomation(app) &&
        !status.automation?.suspended ? (
          <SuspendButton app={app} />
        ) : null}
      </Box>
    </Box>
  );
}
