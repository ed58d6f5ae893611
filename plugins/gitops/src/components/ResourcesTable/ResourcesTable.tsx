import { ReactNode, useMemo, useState } from 'react';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import TextField from '@material-ui/core/TextField';
import IconButton from '@material-ui/core/IconButton';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import ChevronRightIcon from '@material-ui/icons/ChevronRight';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import DescriptionIcon from '@material-ui/icons/DescriptionOutlined';
import type {
  Application,
  ApplicationResource,
} from '@mooring/plugin-gitops-common';
import type { SyncPermission } from '../../hooks';
import {
  buildResourceTree,
  resourceKey,
  resourceMatches,
  ResourceNode,
} from '../../lib/resourceTree';
import { HealthStatusChip, SyncStatusChip } from '../StatusChip';
import { ResourceDetailsDrawer } from '../ResourceDetails';

function isProblem(r: ApplicationResource): boolean {
  return (
    r.sync === 'OutOfSync' || (r.health !== 'Healthy' && r.health !== 'Unknown')
  );
}

function ResourceRow(props: {
  node?: ResourceNode;
  resource: ApplicationResource;
  depth: number;
  expanded?: boolean;
  onToggle?: () => void;
  onDetails?: () => void;
}) {
  const { node, resource: r, depth, expanded, onToggle, onDetails } = props;
  const hasChildren = !!node && node.children.length > 0;
  const name = `${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
  return (
    <TableRow data-testid={`resource-${resourceKey(r)}`}>
      <TableCell style={{ paddingLeft: 8 + depth * 24, whiteSpace: 'nowrap' }}>
        {hasChildren ? (
          <IconButton
            size="small"
            onClick={onToggle}
            aria-expanded={expanded}
            aria-label={`${expanded ? 'Hide' : 'Show'} the ${
              node!.children.length
            } objects owned by ${r.kind} ${r.name}`}
          >
            {expanded ? <ExpandMoreIcon /> : <ChevronRightIcon />}
          </IconButton>
        ) : (
          <span style={{ display: 'inline-block', width: 30 }} />
        )}
        {r.kind}
      </TableCell>
      <TableCell style={{ fontFamily: 'monospace' }}>{name}</TableCell>
      <TableCell>
        <SyncStatusChip status={r.sync} />
      </TableCell>
      <TableCell>
        <HealthStatusChip status={r.health} />
      </TableCell>
      <TableCell>{r.healthMessage}</TableCell>
      {onDetails ? (
        <TableCell padding="checkbox">
          <IconButton
            size="small"
            onClick={onDetails}
            aria-label={`Details of ${r.kind} ${name}`}
            title="Manifests, events and logs"
          >
            <DescriptionIcon />
          </IconButton>
        </TableCell>
      ) : null}
    </TableRow>
  );
}

/**
 * An application's resources with sync and health, filterable, and with the objects
 * they own (Deployment → ReplicaSet → Pod) expandable. With `app`, each row opens the
 * object's details (manifests, events, logs, actions).
 */
export function ResourcesTable(props: {
  resources: ApplicationResource[];
  app?: Application;
  permission?: SyncPermission;
}) {
  const { resources, app } = props;
  const [detailsKey, setDetailsKey] = useState<string | undefined>();
  // Looked up by key so the drawer follows the resource as it refreshes.
  const details = detailsKey
    ? resources.find(r => resourceKey(r) === detailsKey)
    : undefined;
  const onDetails = (r: ApplicationResource) =>
    app ? () => setDetailsKey(resourceKey(r)) : undefined;
  const [filter, setFilter] = useState('');
  const [problemsOnly, setProblemsOnly] = useState(false);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const tree = useMemo(() => buildResourceTree(resources), [resources]);
  const filtering = filter.trim() !== '' || problemsOnly;
  const matches = useMemo(
    () =>
      resources.filter(
        r => resourceMatches(r, filter) && (!problemsOnly || isProblem(r)),
      ),
    [resources, filter, problemsOnly],
  );

  const toggle = (key: string) =>
    setExpanded(previous => {
      const next = new Set(previous);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const rows: ReactNode[] = [];
  const addNode = (node: ResourceNode, depth: number) => {
    const open = expanded.has(node.key);
    rows.push(
      <ResourceRow
        key={node.key}
        node={node}
        resource={node.resource}
        depth={depth}
        expanded={open}
        onToggle={() => toggle(node.key)}
        onDetails={onDetails(node.resource)}
      />,
    );
    if (open) node.children.forEach(child => addNode(child, depth + 1));
  };
  if (filtering) {
    for (const r of matches) {
      rows.push(
        <ResourceRow
          key={resourceKey(r)}
          resource={r}
          depth={0}
          onDetails={onDetails(r)}
        />,
      );
    }
  } else {
    tree.forEach(node => addNode(node, 0));
  }

  return (
    <Box>
      <Box display="flex" alignItems="center" flexWrap="wrap" mb={1}>
        <TextField
          id="gitops-resource-filter"
          label="Filter resources"
          placeholder="kind, name, namespace, status or message"
          value={filter}
          onChange={e => setFilter(e.target.value)}
          size="small"
          style={{ minWidth: 280, marginRight: 16 }}
        />
        <FormControlLabel
          control={
            <Switch
              checked={problemsOnly}
              onChange={e => setProblemsOnly(e.target.checked)}
            />
          }
          label="Only out of sync or unhealthy"
        />
      </Box>
      <Table size="small" aria-label="Resources">
        <TableHead>
          <TableRow>
            <TableCell>Kind</TableCell>
            <TableCell>Namespace/name</TableCell>
            <TableCell>Sync</TableCell>
            <TableCell>Health</TableCell>
            <TableCell>Message</TableCell>
            {app ? (
              <TableCell padding="checkbox">
                <span style={{ position: 'absolute', left: -10000 }}>
                  Details
                </span>
              </TableCell>
            ) : null}
          </TableRow>
        </TableHead>
        <TableBody>{rows}</TableBody>
      </Table>
      {rows.length === 0 ? (
        <Typography variant="body2" style={{ padding: 16 }}>
          {filtering
            ? 'No resource matches the filter.'
            : 'This application has no resources yet.'}
        </Typography>
      ) : null}
      {app ? (
        <ResourceDetailsDrawer
          app={app}
          resource={details}
          resources={resources}
          permission={props.permission ?? { loading: false, allowed: false }}
          onClose={() => setDetailsKey(undefined)}
        />
      ) : null}
    </Box>
  );
}
