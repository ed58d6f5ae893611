import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import type { SyncStep } from '@mooring/plugin-gitops-common';
import {
  formatDuration,
  formatRelativeTime,
  formatTimestamp,
  runDuration,
} from '../../lib/time';

function healthyAfter(step: SyncStep): string | undefined {
  if (!step.healthyAt) return undefined;
  return formatDuration(
    Date.parse(step.healthyAt) - Date.parse(step.startedAt),
  );
}

/**
 * The phases and waves of a sync in order, each with its objects, when it started, how
 * long it took (and after how long its objects were Healthy), and what it waits for or
 * why it failed.
 */
export function SyncSteps(props: {
  steps: SyncStep[];
  /** The sync still runs, so a step without an end is still going. */
  running?: boolean;
  label?: string;
}) {
  const { steps, running } = props;
  return (
    <Table size="small" aria-label={props.label ?? 'Sync steps'}>
      <TableHead>
        <TableRow style={{ whiteSpace: 'nowrap' }}>
          <TableCell>Phase</TableCell>
          <TableCell>Wave</TableCell>
          <TableCell align="right">Objects</TableCell>
          <TableCell>Started</TableCell>
          <TableCell>Took</TableCell>
          <TableCell>Note</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {steps.map(step => {
          const healthy = healthyAfter(step);
          return (
            <TableRow
              key={`${step.phase}/${step.wave}/${step.startedAt}`}
              data-testid={`sync-step-${step.phase}-${step.wave}`}
            >
              <TableCell>{step.phase}</TableCell>
              <TableCell>{step.wave}</TableCell>
              <TableCell align="right">{step.objects ?? '–'}</TableCell>
              <TableCell
                title={formatTimestamp(step.startedAt)}
                style={{ whiteSpace: 'nowrap' }}
              >
                {formatRelativeTime(step.startedAt)}
              </TableCell>
              <TableCell style={{ whiteSpace: 'nowrap' }}>
                {step.finishedAt || running
                  ? runDuration(step.startedAt, step.finishedAt)
                  : '–'}
                {healthy ? ` (healthy after ${healthy})` : ''}
              </TableCell>
              <TableCell>{step.message ?? ''}</TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
