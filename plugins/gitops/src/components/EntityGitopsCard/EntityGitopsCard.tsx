import { Fragment } from 'react';
import { InfoCard } from '@backstage/core-components';
import Divider from '@material-ui/core/Divider';
import { ApplicationsGate } from '../GitopsStates';
import { TargetSummary } from '../TargetSummary';
import { PermissionNote } from '../SyncDialog';
import { useSyncPermission } from '../../hooks';
import type { Application } from '@mooring/plugin-gitops-common';

function CardBody(props: { apps: Application[]; entityRef: string }) {
  const permission = useSyncPermission(props.entityRef);
  return (
    <>
      <PermissionNote permission={permission} />
      {props.apps.map((app, index) => (
        <Fragment key={app.id}>
          {index > 0 ? <Divider style={{ margin: '16px 0' }} /> : null}
          <TargetSummary app={app} permission={permission} />
        </Fragment>
      ))}
    </>
  );
}

/**
 * Overview card: per target, sync and health, the synced commit, time since the last
 * sync, a running operation and a Sync button.
 * @public
 */
export function EntityGitopsCard() {
  return (
    <InfoCard title="Deployments" subheader="Mooring GitOps">
      <ApplicationsGate>
        {(apps, { entityRef }) => (
          <CardBody apps={apps} entityRef={entityRef} />
        )}
      </ApplicationsGate>
    </InfoCard>
  );
}
