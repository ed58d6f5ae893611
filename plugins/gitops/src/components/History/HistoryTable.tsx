import { useMemo, useState } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import IconButton from '@material-ui/core/IconButton';
import Button from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import ChevronRightIcon from '@material-ui/icons/ChevronRight';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import HistoryIcon from '@material-ui/icons/History';
import { Progress } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import { useHistory, SyncPermission } from '../../hooks';
import { describeInitiator } from '../../lib/initiator';
import { shortSha } from '../../lib/commitUrl';
import { whySyncIsBlocked } from '../../lib/automation';
import {
  formatRelativeTime,
  formatTimestamp,
  runDuration,
} from '../../lib/time';
import {
  CommitAuthor,
  CommitLink,
  normalizeEmail,
  parseCommitAuthor,
  useCatalogUsersByEmail,
} from '../CommitInfo';
import { ChangeSet } from '../ChangeSet';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { PhaseChip } from '../StatusChip';
import { SyncSteps } from '../SyncSteps';
import { applicationLabel } from '../SyncDialog';
import { RollbackDialog } from './RollbackDialog';

function HistoryRow(props: {
  app: Application;
  run: SyncRun;
  permission: SyncPermission;
  onRollback: (run: SyncRun) => void;
  /** The catalog User of the commit's author, when one was matched by email. */
  authorRef?: string;
}) {
  const { app, run, permission, onRollback, authorRef } = props;
  const [open, setOpen] = useState(false);
  const initiator = describeInitiator(run.initiatedBy);
  const sha = run.commit?.sha || run.revision;
  const canRollBack = run.phase === 'Succeeded' && !run.dryRun;
  const rollbackReason = whySyncIsBlocked(app, permission);
  return (
    <>
      <TableRow data-testid={`history-run-${run.id}`}>
        <TableCell padding="checkbox">
          <IconButton
            size="small"
            onClick={() => setOpen(!open)}
            aria-expanded={open}
            aria-label={`${
              open ? 'Hide' : 'Show'
            } the changes of the sync of ${shortSha(
              sha,
            )} started ${formatRelativeTime(run.startedAt)}`}
          >
            {open ? <ExpandMoreIcon /> : <ChevronRightIcon />}
          </IconButton>
        </TableCell>
        <TableCell title={formatTimestamp(run.startedAt)}>
          {formatRelativeTime(run.startedAt)}
        </TableCell>
        <TableCell>
          <CommitLink repoUrl={app.source.repoUrl} sha={sha} />
          {run.commit?.message ? (
            <Typography variant="body2" component="div">
              {run.commit.message.split('\n')[0]}
            </Typography>
          ) : null}
        </TableCell>
        <TableCell>
          <CommitAuthor author={run.commit?.author} userRef={authorRef} />
        </TableCell>
        <TableCell title={initiator.description}>
          {initiator.userRef ? (
            <EntityRefLink entityRef={initiator.userRef} defaultKind="user" />
          ) : (
            initiator.label
          )}
          {run.dryRun ? ' (dry run)' : ''}
        </TableCell>
        <TableCell style={{ whiteSpace: 'nowrap' }}>
          {runDuration(run.startedAt, run.finishedAt)}
        </TableCell>
        <TableCell>
          <PhaseChip phase={run.phase} />
        </TableCell>
        <TableCell>
          {canRollBack ? (
            <Tooltip
              title={
                rollbackReason ??
                `Apply ${shortSha(sha)} again to ${app.destination.cluster}`
              }
            >
              <span>
                <Button
                  size="small"
                  startIcon={<HistoryIcon aria-hidden />}
                  disabled={!!rollbackReason}
                  style={{ whiteSpace: 'nowrap' }}
                  onClick={() => onRollback(run)}
                  aria-label={`Roll back ${applicationLabel(app)} to ${shortSha(
                    sha,
                  )}`}
                >
                  Rollback
                </Button>
              </span>
            </Tooltip>
          ) : null}
        </TableCell>
      </TableRow>
      {open ? (
        <TableRow>
          <TableCell />
          <TableCell colSpan={7}>
            {run.message ? (
              <Typography variant="body2" paragraph>
                {run.message}
              </Typography>
            ) : null}
            {run.steps && run.steps.length > 0 ? (
              <Box mb={2}>
                <SyncSteps
                  steps={run.steps}
                  label={`Steps of the sync of ${shortSha(sha)}`}
                />
              </Box>
            ) : null}
            <ChangeSet changes={run.changes ?? []} />
          </TableCell>
        </TableRow>
      ) : null}
    </>
  );
}

function authorRefOf(
  run: SyncRun,
  users: Map<string, string>,
): string | undefined {
  const { email } = parseCommitAuthor(run.commit?.author ?? '');
  return email ? users.get(normalizeEmail(email)) : undefined;
}

/**
 * Sync runs of an application, newest first: time, revision and commit message, author,
 * who started it (people as links to their catalog User: the author when exactly one
 * User has the commit's email), duration and result, with its steps and change set on expand and
 * Rollback on every successful run.
 */
export function HistoryTable(props: {
  app: Application;
  permission: SyncPermission;
}) {
  const { app, permission } = props;
  const history = useHistory(app);
  const [rollbackRun, setRollbackRun] = useState<SyncRun | undefined>();
  const emails = useMemo(
    () =>
      (history.value ?? []).flatMap(run => {
        const { email } = parseCommitAuthor(run.commit?.author ?? '');
        return email ? [email] : [];
      }),
    [history.value],
  );
  const users = useCatalogUsersByEmail(emails);

  if (history.value === undefined) {
    if (history.error) {
      return (
        <ErrorMessage
          error={history.error}
          subject={`the history of ${applicationLabel(app)}`}
          onRetry={history.retry}
        />
      );
    }
    return <Progress aria-label="Loading the history" />;
  }
  return (
    <Box>
      {history.error ? (
        <ErrorMessage
          severity="warning"
          error={history.error}
          subject={`the latest history of ${applicationLabel(app)}`}
          onRetry={history.retry}
        />
      ) : null}
      <Table size="small" aria-label="Sync history">
        <TableHead>
          <TableRow style={{ whiteSpace: 'nowrap' }}>
            <TableCell padding="checkbox" />
            <TableCell>Started</TableCell>
            <TableCell>Revision</TableCell>
            <TableCell>Author</TableCell>
            <TableCell>Started by</TableCell>
            <TableCell>Duration</TableCell>
            <TableCell>Result</TableCell>
            <TableCell>
              <span style={{ position: 'absolute', left: -10000 }}>
                Actions
              </span>
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {history.value.map(run => (
            <HistoryRow
              key={run.id}
              app={app}
              run={run}
              permission={permission}
              onRollback={setRollbackRun}
              authorRef={authorRefOf(run, users)}
            />
          ))}
        </TableBody>
      </Table>
      {history.value.length === 0 ? (
        <Typography variant="body2" style={{ padding: 16 }}>
          No syncs yet.
        </Typography>
      ) : null}
      {rollbackRun ? (
        <RollbackDialog
          app={app}
          run={rollbackRun}
          onClose={() => setRollbackRun(undefined)}
        />
      ) : null}
    </Box>
  );
}
