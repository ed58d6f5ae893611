import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import PlayArrowIcon from '@material-ui/icons/PlayArrow';
import type { Application } from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { useApplications } from '../../hooks';
import { describeError } from '../../lib/errors';
import { applicationLabel } from '../SyncDialog';

/** Resumes auto-sync and self-heal after a suspension or a pinning rollback. */
export function ResumeButton(props: { app: Application; label: string }) {
  const { app } = props;
  const api = useApi(gitopsApiRef);
  const alertApi = useApi(alertApiRef);
  const { refresh } = useApplications(app.entityRef);
  const [busy, setBusy] = useState(false);
  const label = applicationLabel(app);

  const onClick = async () => {
    setBusy(true);
    try {
      await api.resume(app.id);
      await refresh();
    } catch (e) {
      const { title, message } = describeError(
        e as Error,
        `a resume of ${label}`,
      );
      alertApi.post({ message: `${title}: ${message}`, severity: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button
      size="small"
      color="inherit"
      variant="outlined"
      startIcon={<PlayArrowIcon aria-hidden />}
      onClick={onClick}
      disabled={busy}
      aria-label={`Resume automation of ${label}`}
      style={{ whiteSpace: 'nowrap' }}
    >
      {props.label}
    </Button>
  );
}
