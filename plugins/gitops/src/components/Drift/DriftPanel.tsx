import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import Paper from '@material-ui/core/Paper';
import Alert from '@material-ui/lab/Alert';
import { Progress } from '@backstage/core-components';
import type {
  Application,
  ResourceDiff,
  ResourceSelector,
} from '@mooring/plugin-gitops-common';
import { useDiff, SyncPermission } from '../../hooks';
import { diffStats, parseUnifiedDiff } from '../../lib/diffLines';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { SyncButton, applicationLabel } from '../SyncDialog';
import { DiffView } from './DiffView';

/** Names a drifted object for a selective sync. */
function selectorOf(item: ResourceDiff): ResourceSelector {
  return {
    group: item.group,
    kind: item.kind,
    ...(item.namespace ? { namespace: item.namespace } : {}),
    name: item.name,
  };
}

/**
 * Drift of one application: for each out-of-sync resource, the unified diff from the live
 * object to what Git wants, with "Sync this" (that object only) for people who may sync.
 */
export function DriftPanel(props: {
  app: Application;
  permission: SyncPermission;
}) {
  const { app, permission } = props;
  const diff = useDiff(app);
  const label = applicationLabel(app);

  if (diff.value === undefined) {
    if (diff.error) {
      return (
        <ErrorMessage
          error={diff.error}
          subject={`the drift of ${label}`}
          onRetry={diff.retry}
        />
      );
    }
    return <Progress aria-label="Loading the drift" />;
  }
  const items = diff.value.filter(d => d.diff.trim() !== '');
  if (items.length === 0) {
    return (
      <Typography variant="body2">
        {app.status.sync === 'Synced'
          ? 'No drift: the cluster matches Git.'
          : 'Mooring reports no resource diff. If the status still says OutOfSync, refresh or sync to re-check.'}
      </Typography>
    );
  }
  return (
    <Box>
      {diff.error ? (
        <ErrorMessage
          severity="warning"
          error={diff.error}
          subject={`the latest drift of ${label}`}
          onRetry={diff.retry}
        />
      ) : null}
      <Alert severity="info" style={{ marginBottom: 8 }}>
        Lines starting with − are live in the cluster, lines starting with + are
        what Git wants. Secret values are masked.
      </Alert>
      {items.map(item => {
        const name = `${item.namespace ? `${item.namespace}/` : ''}${
          item.name
        }`;
        const stats = diffStats(parseUnifiedDiff(item.diff));
        return (
          <Paper
            key={`${item.group}/${item.kind}/${name}`}
            variant="outlined"
            style={{ padding: 12, marginBottom: 12 }}
            component="section"
            aria-label={`Drift of ${item.kind} ${name}`}
          >
            <Box display="flex" alignItems="center" mb={1}>
              <Typography
                variant="subtitle1"
                component="h4"
                style={{ flex: 1 }}
              >
                {item.kind} <code>{name}</code>{' '}
                <Typography variant="caption" color="textSecondary">
                  +{stats.added} −{stats.removed}
                </Typography>
              </Typography>
              {permission.allowed ? (
                <SyncButton
                  app={app}
                  permission={permission}
                  label="Sync this"
                  ariaLabel={`Sync only ${item.kind} ${name} of ${label}`}
                  only={{
                    resources: [selectorOf(item)],
                    name: `${item.kind} ${name}`,
                  }}
                />
              ) : null}
            </Box>
            <DiffView
              diff={item.diff}
              label={`Diff of ${item.kind} ${name}, live to desired`}
            />
          </Paper>
        );
      })}
    </Box>
  );
}
