import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import Alert from '@material-ui/lab/Alert';
import type { Operation } from '@mooring/plugin-gitops-common';
import { shortSha } from '../../lib/commitUrl';
import { PhaseChip } from '../StatusChip';
import { ChangeSet } from '../ChangeSet';

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

/** Live state of one operation: phase, progress while it runs, the result when done. */
export function OperationProgress(props: { operation: Operation }) {
  const { operation } = props;
  const running = operation.phase === 'Running';
  return (
    <Box aria-live="polite">
      <Box display="flex" alignItems="center" mb={1}>
        <PhaseChip phase={operation.phase} />
        <Typography variant="body2">
          {running ? 'Syncing' : 'Sync of'} revision{' '}
          <code>{shortSha(operation.revision)}</code>
          {running ? '…' : ''}
        </Typography>
      </Box>
      {running ? <OperationProgressBar operation={operation} /> : null}
      {operation.message ? (
        <Alert severity={messageSeverity(operation)}>{operation.message}</Alert>
      ) : null}
      {!running && operation.changes ? (
        <Box mt={1}>
          <ChangeSet changes={operation.changes} />
        </Box>
      ) : null}
    </Box>
  );
}
