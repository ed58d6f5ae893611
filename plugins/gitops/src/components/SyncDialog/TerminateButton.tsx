import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import type { ResponseError } from '@backstage/errors';
import Button from '@material-ui/core/Button';
import StopIcon from '@material-ui/icons/Stop';
import type { Application, Operation } from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { useApplications, useSyncPermission } from '../../hooks';
import { describeError } from '../../lib/errors';
import { applicationLabel } from './applicationLabel';

/**
 * Stops a running sync, for people who may sync; the operation then ends Failed, naming
 * who stopped it.
 */
export function TerminateButton(props: {
  app: Application;
  operation: Operation;
}) {
  const { app, operation } = props;
  const api = useApi(gitopsApiRef);
  const alertApi = useApi(alertApiRef);
  const { refresh } = useApplications(app.entityRef);
  const permission = useSyncPermission(app.entityRef);
  const [busy, setBusy] = useState(false);
  const label = applicationLabel(app);
  if (
    operation.phase !== 'Running' ||
    operation.dryRun ||
    !permission.allowed
  ) {
    return null;
  }

  const onClick = async () => {
    setBusy(true);
    try {
      await api.terminate(app.id);
      await refresh();
    } catch (e) {
      const { title, message } = describeError(
        e as Error,
        `a termination of the sync of ${label}`,
      );
      // A conflict here means the sync ended meanwhile, not that one is running.
      const conflict = (e as ResponseError).statusCode === 409;
      alertApi.post({
        message: `${conflict ? 'Nothing to terminate' : title}: ${message}`,
        severity: 'error',
      });
      setBusy(false);
      // Most likely the sync ended meanwhile: show how.
      await refresh();
    }
  };

  return (
    <Button
      size="small"
      variant="outlined"
      startIcon={<StopIcon aria-hidden />}
      onClick={onClick}
      disabled={busy}
      aria-label={`Terminate the sync of ${label}`}
    >
      {busy ? 'Terminating…' : 'Terminate'}
    </Button>
  );
}
