import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import Alert from '@material-ui/lab/Alert';
import type { Application, Operation } from '@mooring/plugin-gitops-common';
import { shortSha } from '../../lib/commitUrl';
import { PhaseChip } from '../StatusChip';
import { ChangeSet } from '../ChangeSet';
import { SyncSteps } from '../SyncSteps';
import { TerminateButton } from './TerminateButton';

/** A progress bar for a running operation, with the count of objects done. */
export function OperationProgressBar(props: { operation: Operation }) {
  const { progress } = props.operation;
  const determinate = progress && progress.total > 0;
  const label = determinate
    ? `Sync progress: ${progress!.done} of ${progress!.total} objects`
    : 'Sync in progress';
  return (
    <Box my={1}>
      <LinearProgress
        aria-label={label}
        variant={determinate ? 'determinate' : 'indeterminate'}
        value={
          determinate
            ? Math.round((100 * progress!.done) / progress!.total)
            : undefined
        }
      />
      {determinate ? (
        <Typography variant="caption" color="textSecondary">
          {progress!.done} of {progress!.total} objects applied
        </Typography>
      ) : null}
    </Box>
  );
}

function messageSeverity(operation: Operation) {
  if (operation.phase === 'Succeeded') return 'success';
  if (operation.phase === 'Running') return 'info';
  return 'error';
}

/** What a running operation waits for now, when the backend says. */
export function WaitingFor(props: { operation: Operation }) {
  const { waitingFor } = props.operation;
  if (!waitingFor || props.operation.phase !== 'Running') return null;
  return (
    <Typography variant="body2" color="textSecondary">
      Waiting for {waitingFor}
    </Typography>
  );
}

/**
 * Live state of one operation: phase, progress, what it waits for and its steps while
 * it runs (with Terminate, given the application, for people who may sync), the
 * result and its change set when done.
 */
export function OperationProgress(props: {
  operation: Operation;
  app?: Application;
}) {
  const { operation, app } = props;
  const running = operation.phase === 'Running';
  return (
    <Box aria-live="polite">
      <Box display="flex" alignItems="center" mb={1}>
        <PhaseChip phase={operation.phase} />
        <Typography variant="body2" style={{ flex: 1 }}>
          {running ? 'Syncing' : 'Sync of'} revision{' '}
          <code>{shortSha(operation.revision)}</code>
          {running ? '…' : ''}
        </Typography>
        {app ? <TerminateButton app={app} operation={operation} /> : null}
      </Box>
      {running ? <OperationProgressBar operation={operation} /> : null}
      <WaitingFor operation={operation} />
      {operation.message ? (
        <Alert severity={messageSeverity(operation)}>{operation.message}</Alert>
      ) : null}
      {operation.steps && operation.steps.length > 0 ? (
        <Box mt={1}>
          <SyncSteps steps={operation.steps} running={running} />
        </Box>
      ) : null}
      {!running && operation.changes ? (
        <Box mt={1}>
          <ChangeSet changes={operation.changes} />
        </Box>
      ) : null}
    </Box>
  );
}
