import { useSearchParams } from 'react-router-dom';
import { InfoCard, Progress } from '@backstage/core-components';
import Grid from '@material-ui/core/Grid';
import Paper from '@material-ui/core/Paper';
import Tabs from '@material-ui/core/Tabs';
import Tab from '@material-ui/core/Tab';
import Box from '@material-ui/core/Box';
import type { Application } from '@mooring/plugin-gitops-common';
import { useResources, useSyncPermission, SyncPermission } from '../../hooks';
import { ApplicationsGate } from '../GitopsStates';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { TargetSummary } from '../TargetSummary';
import { PermissionNote, applicationLabel } from '../SyncDialog';
import { ResourcesTable } from '../ResourcesTable';
import { DriftPanel } from '../Drift';
import { HistoryTable } from '../History';
import { DeliveryCard } from '../Delivery';

function Resources(props: { app: Application; permission: SyncPermission }) {
  const resources = useResources(props.app);
  if (resources.value === undefined) {
    if (resources.error) {
      return (
        <ErrorMessage
          error={resources.error}
          subject={`the resources of ${applicationLabel(props.app)}`}
          onRetry={resources.retry}
        />
      );
    }
    return <Progress aria-label="Loading resources" />;
  }
  return (
    <ResourcesTable
      resources={resources.value}
      app={props.app}
      permission={props.permission}
    />
  );
}

function ApplicationDetails(props: {
  app: Application;
  permission: SyncPermission;
}) {
  const { app, permission } = props;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <InfoCard title={`Drift · ${app.target}`}>
          <DriftPanel app={app} permission={permission} />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title={`Resources · ${app.target}`}>
          <Resources app={app} permission={permission} />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <InfoCard title={`History · ${app.target}`}>
          <HistoryTable app={app} permission={permission} />
        </InfoCard>
      </Grid>
    </Grid>
  );
}

function ContentBody(props: { apps: Application[]; entityRef: string }) {
  const { apps, entityRef } = props;
  const permission = useSyncPermission(entityRef);
  // `?target=prod` picks the target shown in detail, so links (search
  // results, commit statuses, notifications) can open the one they mean.
  const [params, setParams] = useSearchParams();
  const wanted = params.get('target');
  const selected = apps.find(a => a.target === wanted) ?? apps[0];
  const select = (id: string) => {
    const app = apps.find(a => a.id === id);
    if (!app) return;
    setParams(
      previous => {
        const next = new URLSearchParams(previous);
        next.set('target', app.target);
        return next;
      },
      { replace: true },
    );
  };
  // Side by side: up to three targets per row on wide screens.
  const columns = Math.max(4, 12 / apps.length) as 4 | 6 | 12;
  return (
    <>
      <PermissionNote permission={permission} />
      <Grid container spacing={3}>
        {apps.map(app => (
          <Grid item xs={12} md={columns} key={app.id}>
            <Paper variant="outlined" style={{ padding: 16, height: '100%' }}>
              <TargetSummary app={app} permission={permission} />
            </Paper>
          </Grid>
        ))}
      </Grid>
      {apps.length > 1 ? (
        <Box mt={3}>
          <Tabs
            value={selected.id}
            onChange={(_, id) => select(id)}
            aria-label="Target to show in detail"
            indicatorColor="primary"
            textColor="primary"
          >
            {apps.map(app => (
              <Tab key={app.id} value={app.id} label={app.target} />
            ))}
          </Tabs>
        </Box>
      ) : null}
      <Box mt={3}>
        <ApplicationDetails app={selected} permission={permission} />
      </Box>
      <Box mt={3}>
        <DeliveryCard
          entityRef={entityRef}
          targets={apps.length > 1 ? apps.map(a => a.target) : undefined}
        />
      </Box>
    </>
  );
}

/**
 * The "Deployments" tab: targets side by side, then for the chosen target its drift,
 * resources and sync history, then the component's delivery figures.
 * @public
 */
export function EntityGitopsContent() {
  return (
    <Box>
      <ApplicationsGate>
        {(apps, { entityRef }) => (
          <ContentBody apps={apps} entityRef={entityRef} />
        )}
      </ApplicationsGate>
    </Box>
  );
}
