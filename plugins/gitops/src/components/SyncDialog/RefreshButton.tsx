import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import RefreshIcon from '@material-ui/icons/Refresh';
import type { Application } from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { useApplications, SyncPermission } from '../../hooks';
import { describeError } from '../../lib/errors';
import { applicationLabel } from './applicationLabel';

/** Asks Mooring to re-read Git and the cluster now, instead of at the next reconcile. */
export function RefreshButton(props: {
  app: Application;
  permission: SyncPermission;
}) {
  const { app, permission } = props;
  const api = useApi(gitopsApiRef);
  const alertApi = useApi(alertApiRef);
  const { refresh } = useApplications(app.entityRef);
  const [busy, setBusy] = useState(false);
  const label = applicationLabel(app);

  const onClick = async () => {
    setBusy(true);
    try {
      await api.refresh(app.id);
      await refresh();
    } catch (e) {
      const { title, message } = describeError(
        e as Error,
        `a refresh of ${label}`,
      );
      alertApi.post({ message: `${title}: ${message}`, severity: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Tooltip title={permission.reason ?? 'Re-read Git and the cluster now'}>
      <span>
        <Button
          size="small"
          startIcon={<RefreshIcon aria-hidden />}
          onClick={onClick}
          disabled={busy || !permission.allowed}
          aria-label={`Refresh ${label}`}
        >
          Refresh
        </Button>
      </span>
    </Tooltip>
  );
}
