import { useEffect, useMemo, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  Content,
  Header,
  Link,
  Page,
  Progress,
} from '@backstage/core-components';
import { useEntityRefLink } from '@backstage/plugin-catalog-react';
import { useSignal } from '@backstage/plugin-signals-react';
import { parseEntityRef } from '@backstage/catalog-model';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import MenuItem from '@material-ui/core/MenuItem';
import Paper from '@material-ui/core/Paper';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TableSortLabel from '@material-ui/core/TableSortLabel';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import type { Application } from '@mooring/plugin-gitops-common';
import { ApplicationQuery, gitopsApiRef } from '../../api';
import type { GitopsSignal } from '../../hooks';
import { formatRelativeTime } from '../../lib/time';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { HealthStatusChip, SyncStatusChip } from '../StatusChip';
import { useFetched } from '../ResourceDetails/useFetched';
import { FleetColumn, FleetSort, sortApplications } from './sortApplications';

/** Applications per page, as the listing serves them. */
export const FLEET_PAGE_SIZE = 50;
/** How long typing may pause before the list is asked again. */
const TYPING_DELAY_MS = 300;

const SYNC_VALUES = ['Synced', 'OutOfSync', 'Unknown'];
const HEALTH_VALUES = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
];

type Filters = Required<
  Pick<
    ApplicationQuery,
    'owner' | 'cluster' | 'namespace' | 'sync' | 'health' | 'q'
  >
>;

const NO_FILTERS: Filters = {
  owner: '',
  cluster: '',
  namespace: '',
  sync: '',
  health: '',
  q: '',
};

const COLUMNS: { id: FleetColumn; label: string }[] = [
  { id: 'component', label: 'Component' },
  { id: 'target', label: 'Target' },
  { id: 'owner', label: 'Owner' },
  { id: 'cluster', label: 'Cluster' },
  { id: 'namespace', label: 'Namespace' },
  { id: 'sync', label: 'Sync' },
  { id: 'health', label: 'Health' },
  { id: 'reconciledAt', label: 'Reconciled' },
];

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

function shortRef(ref: string | undefined): string {
  if (!ref) return '';
  try {
    const { kind, namespace, name } = parseEntityRef(ref);
    const prefix = kind === 'component' || kind === 'group' ? '' : `${kind}:`;
    return `${prefix}${namespace === 'default' ? '' : `${namespace}/`}${name}`;
  } catch {
    return ref;
  }
}

function FleetRow(props: { app: Application }) {
  const { app } = props;
  const entityLink = useEntityRefLink();
  return (
    <TableRow data-testid={`fleet-${app.id}`}>
      <TableCell>
        <Link
          to={`${entityLink(app.entityRef)}/deployments`}
          aria-label={`Deployments of ${shortRef(app.entityRef)} (${
            app.target
          })`}
        >
          {shortRef(app.entityRef)}
        </Link>
      </TableCell>
      <TableCell>{app.target}</TableCell>
      <TableCell>{shortRef(app.owner)}</TableCell>
      <TableCell>{app.destination.cluster}</TableCell>
      <TableCell>{app.destination.namespace}</TableCell>
      <TableCell>
        <SyncStatusChip status={app.status.sync} />
      </TableCell>
      <TableCell>
        <HealthStatusChip status={app.status.health} />
      </TableCell>
      <TableCell title={app.status.reconciledAt ?? undefined}>
        {app.status.reconciledAt
          ? formatRelativeTime(app.status.reconciledAt)
          : 'never'}
      </TableCell>
    </TableRow>
  );
}

/**
 * Every application the user may read, filtered and paged by the backend (so it stays
 * fast with thousands), each row linking to its component's Deployments tab.
 */
export function FleetPage() {
  const api = useApi(gitopsApiRef);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const query = useDebounced(filters, TYPING_DELAY_MS);
  // The cursors that led to this page ([] on the first), for the filters they page.
  const [paging, setPaging] = useState({ query, cursors: [] as string[] });
  const cursors = paging.query === query ? paging.cursors : [];
  const cursor = cursors[cursors.length - 1];
  const setCursors = (next: string[]) => setPaging({ query, cursors: next });
  const [sort, setSort] = useState<FleetSort>({
    column: 'health',
    direction: 'asc',
  });

  const page = useFetched(
    () =>
      api.listApplications({
        ...query,
        limit: FLEET_PAGE_SIZE,
        cursor,
      }),
    [api, query, cursor],
  );
  // A change to an application on this page fetches the page again.
  const { lastSignal } = useSignal<GitopsSignal>('gitops');
  const { retry } = page;
  const shown = page.value?.items;
  useEffect(() => {
    if (lastSignal && shown?.some(a => a.id === lastSignal.applicationId)) {
      retry();
    }
    // Only a new signal refetches; a new page must not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lastSignal]);
  const rows = useMemo(
    () => sortApplications(page.value?.items ?? [], sort),
    [page.value, sort],
  );

  const setFilter = (key: keyof Filters) => (value: string) =>
    setFilters(previous => ({ ...previous, [key]: value }));
  const text = (key: keyof Filters, label: string, placeholder: string) => (
    <TextField
      id={`gitops-fleet-${key}`}
      label={label}
      placeholder={placeholder}
      size="small"
      value={filters[key]}
      onChange={e => setFilter(key)(e.target.value)}
      style={{ minWidth: 180, marginRight: 16, marginBottom: 8 }}
    />
  );
  const select = (key: 'sync' | 'health', label: string, values: string[]) => (
    <TextField
      select
      id={`gitops-fleet-${key}`}
      label={label}
      size="small"
      value={filters[key]}
      onChange={e => setFilter(key)(e.target.value)}
      style={{ minWidth: 140, marginRight: 16, marginBottom: 8 }}
    >
      <MenuItem value="">Any</MenuItem>
      {values.map(v => (
        <MenuItem key={v} value={v}>
          {v}
        </MenuItem>
      ))}
    </TextField>
  );
  const sortBy = (column: FleetColumn) =>
    setSort(previous => ({
      column,
      direction:
        previous.column === column && previous.direction === 'asc'
          ? 'desc'
          : 'asc',
    }));

  return (
    <Content>
      <Box display="flex" flexWrap="wrap" alignItems="flex-end" mb={2}>
        {text('q', 'Search', 'component, target, revision…')}
        {text('owner', 'Owner', 'group:default/team-a')}
        {text('cluster', 'Cluster', 'dev')}
        {text('namespace', 'Namespace', 'payments')}
        {select('sync', 'Sync', SYNC_VALUES)}
        {select('health', 'Health', HEALTH_VALUES)}
        <Button
          size="small"
          onClick={() => setFilters(NO_FILTERS)}
          disabled={Object.values(filters).every(v => v === '')}
          style={{ marginBottom: 8 }}
        >
          Clear filters
        </Button>
      </Box>
      {page.error ? (
        <ErrorMessage
          error={page.error}
          subject="the applications"
          onRetry={page.retry}
        />
      ) : null}
      {page.value === undefined && !page.error ? (
        <Progress aria-label="Loading applications" />
      ) : null}
      {page.value !== undefined ? (
        <Paper variant="outlined">
          <Table size="small" aria-label="Applications">
            <TableHead>
              <TableRow>
                {COLUMNS.map(c => (
                  <TableCell
                    key={c.id}
                    sortDirection={
                      sort.column === c.id ? sort.direction : false
                    }
                  >
                    <TableSortLabel
                      active={sort.column === c.id}
                      direction={sort.column === c.id ? sort.direction : 'asc'}
                      onClick={() => sortBy(c.id)}
                    >
                      {c.label}
                    </TableSortLabel>
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map(app => (
                <FleetRow key={app.id} app={app} />
              ))}
            </TableBody>
          </Table>
          {rows.length === 0 ? (
            <Typography variant="body2" style={{ padding: 16 }}>
              {Object.values(query).some(v => v !== '')
                ? 'No application matches these filters.'
                : 'You may read no application yet.'}
            </Typography>
          ) : null}
          <Box
            display="flex"
            alignItems="center"
            justifyContent="flex-end"
            p={1}
            style={{ gap: 8 }}
          >
            <Typography variant="caption" color="textSecondary">
              Page {cursors.length + 1} · {rows.length} application
              {rows.length === 1 ? '' : 's'} · sorting applies to this page
            </Typography>
            <Button
              size="small"
              onClick={() => setCursors(cursors.slice(0, -1))}
              disabled={cursors.length === 0 || page.loading}
            >
              Previous page
            </Button>
            <Button
              size="small"
              onClick={() =>
                page.value?.nextCursor &&
                setCursors([...cursors, page.value.nextCursor])
              }
              disabled={!page.value.nextCursor || page.loading}
            >
              Next page
            </Button>
          </Box>
        </Paper>
      ) : null}
    </Content>
  );
}

/** The fleet page with its own header, for apps on the legacy frontend system. */
export function LegacyFleetPage() {
  return (
    <Page themeId="tool">
      <Header
        title="Deployments"
        subtitle="Every application you may read, across clusters"
      />
      <FleetPage />
    </Page>
  );
}
