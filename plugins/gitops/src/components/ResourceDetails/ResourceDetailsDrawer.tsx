import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import Typography from '@material-ui/core/Typography';
import CloseIcon from '@material-ui/icons/Close';
import type {
  Application,
  ApplicationResource,
} from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import type { SyncPermission } from '../../hooks';
import { replicasOf } from '../../lib/manifests';
import { descendantPods } from '../../lib/resourceTree';
import { HealthStatusChip, SyncStatusChip } from '../StatusChip';
import { EventsTable } from './EventsTable';
import { identityOf, resourceLabel, WITH_PODS } from './identity';
import { ManifestsView } from './ManifestsView';
import { PodLogs } from './PodLogs';
import { ResourceActions } from './ResourceActions';
import { useFetched } from './useFetched';

type Section = 'manifests' | 'events' | 'logs';

function DetailsBody(props: {
  app: Application;
  resource: ApplicationResource;
  resources: ApplicationResource[];
  permission: SyncPermission;
}) {
  const { app, resource, resources, permission } = props;
  const api = useApi(gitopsApiRef);
  const [section, setSection] = useState<Section>('manifests');
  const identity = identityOf(resource);
  const key = [
    app.id,
    identity.group,
    identity.version,
    identity.kind,
    identity.namespace,
    identity.name,
  ];
  const manifests = useFetched(
    () => api.getManifests(app.id, identity),
    [api, ...key],
  );
  const events = useFetched(
    () => api.getEvents(app.id, identity),
    [api, ...key],
  );
  const label = resourceLabel(resource);
  let pods: ApplicationResource[] = [];
  if (resource.kind === 'Pod') pods = [resource];
  else if (WITH_PODS.includes(resource.kind)) {
    pods = descendantPods(resources, resource);
  }
  const hasLogs = pods.length > 0;
  return (
    <>
      <Box display="flex" alignItems="center" style={{ gap: 8 }} mb={2}>
        <SyncStatusChip status={resource.sync} />
        <HealthStatusChip status={resource.health} />
        <Typography variant="body2">{resource.healthMessage}</Typography>
      </Box>
      {permission.allowed ? (
        <ResourceActions
          app={app}
          resource={resource}
          desiredReplicas={replicasOf(manifests.value?.desired)}
          liveReplicas={replicasOf(manifests.value?.live)}
        />
      ) : null}
      <Tabs
        value={hasLogs || section !== 'logs' ? section : 'manifests'}
        onChange={(_, value) => setSection(value)}
        indicatorColor="primary"
        textColor="primary"
        aria-label={`Details of ${label}`}
      >
        <Tab value="manifests" label="Manifests" />
        <Tab value="events" label="Events" />
        {hasLogs ? <Tab value="logs" label="Logs" /> : null}
      </Tabs>
      <Box mt={2}>
        {section === 'manifests' ? (
          <ManifestsView manifests={manifests} subject={label} />
        ) : null}
        {section === 'events' ? (
          <EventsTable events={events} subject={label} />
        ) : null}
        {section === 'logs' && hasLogs ? (
          <PodLogs app={app} pods={pods} />
        ) : null}
      </Box>
    </>
  );
}

/**
 * An object's details beside the resource tree: its live and desired manifests, its
 * events and its children's, its pods' logs, and Restart/Scale for people who may sync.
 */
export function ResourceDetailsDrawer(props: {
  app: Application;
  resource?: ApplicationResource;
  resources: ApplicationResource[];
  permission: SyncPermission;
  onClose: () => void;
}) {
  const { resource } = props;
  return (
    <Drawer
      anchor="right"
      open={!!resource}
      onClose={props.onClose}
      PaperProps={{
        style: { width: 'min(1100px, 92vw)', padding: 24 },
        role: 'dialog',
        'aria-label': resource
          ? `Details of ${resourceLabel(resource)}`
          : undefined,
      }}
    >
      {resource ? (
        <>
          <Box display="flex" alignItems="center" mb={1}>
            <Typography variant="h5" component="h2" style={{ flex: 1 }}>
              {resourceLabel(resource)}
            </Typography>
            <IconButton aria-label="Close details" onClick={props.onClose}>
              <CloseIcon />
            </IconButton>
          </Box>
          <DetailsBody
            app={props.app}
            resource={resource}
            resources={props.resources}
            permission={props.permission}
          />
        </>
      ) : null}
    </Drawer>
  );
}
