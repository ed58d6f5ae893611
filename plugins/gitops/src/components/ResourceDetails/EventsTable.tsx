import { Progress } from '@backstage/core-components';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { KubernetesEvent } from '../../api';
import { eventCount, eventLastSeen, sortEvents } from '../../lib/manifests';
import { formatRelativeTime } from '../../lib/time';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import type { Fetched } from './useFetched';

/** The Kubernetes events of an object and its children, most recent first. */
export function EventsTable(props: {
  events: Fetched<KubernetesEvent[]>;
  subject: string;
}) {
  const { events, subject } = props;
  if (events.value === undefined) {
    if (events.error) {
      return (
        <ErrorMessage
          error={events.error}
          subject={`the events of ${subject}`}
          onRetry={events.retry}
        />
      );
    }
    return <Progress aria-label="Loading events" />;
  }
  if (events.value.length === 0) {
    return (
      <Typography variant="body2">
        No events for {subject} or its children (Kubernetes keeps them for an
        hour).
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Events">
      <TableHead>
        <TableRow>
          <TableCell>Type</TableCell>
          <TableCell>Reason</TableCell>
          <TableCell>Object</TableCell>
          <TableCell>Message</TableCell>
          <TableCell align="right">Count</TableCell>
          <TableCell>Last seen</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {sortEvents(events.value).map(event => {
          const seen = eventLastSeen(event);
          const { kind, name } = event.involvedObject;
          return (
            <TableRow
              key={event.metadata.uid ?? event.metadata.name}
              data-testid={`event-${event.metadata.name}`}
            >
              <TableCell
                style={
                  event.type === 'Warning'
                    ? { color: '#d32f2f', fontWeight: 500 }
                    : undefined
                }
              >
                {event.type ?? 'Normal'}
              </TableCell>
              <TableCell>{event.reason}</TableCell>
              <TableCell style={{ fontFamily: 'monospace' }}>
                {kind}/{name}
              </TableCell>
              <TableCell>{event.message}</TableCell>
              <TableCell align="right">{eventCount(event)}</TableCell>
              <TableCell title={seen}>
                {seen ? formatRelativeTime(seen) : 'unknown'}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
