import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Dialog from '@material-ui/core/Dialog';
import DialogTitle from '@material-ui/core/DialogTitle';
import DialogContent from '@material-ui/core/DialogContent';
import DialogActions from '@material-ui/core/DialogActions';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import LinearProgress from '@material-ui/core/LinearProgress';
import type {
  Application,
  Operation,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { useApplications } from '../../hooks';
import { shortSha } from '../../lib/commitUrl';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import {
  OperationProgress,
  applicationLabel,
  useFollowedOperation,
} from '../SyncDialog';

/** Confirms a rollback to an earlier run's revision, then follows it until done. */
export function RollbackDialog(props: {
  app: Application;
  run: SyncRun;
  onClose: () => void;
}) {
  const { app, run, onClose } = props;
  const api = useApi(gitopsApiRef);
  const { refresh } = useApplications(app.entityRef);
  const [started, setStarted] = useState<Operation | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const followed = useFollowedOperation(app.entityRef, app.id, started);
  const label = applicationLabel(app);
  const sha = shortSha(run.commit?.sha || run.revision);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setStarted(await api.rollback(app.id, run.id));
      await refresh();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };

  const done = followed && followed.phase !== 'Running';
  return (
    <Dialog
      open
      onClose={onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="gitops-rollback-title"
    >
      <DialogTitle id="gitops-rollback-title">
        Roll back {label} to {sha}
      </DialogTitle>
      <DialogContent>
        {error ? (
          <ErrorMessage error={error} subject={`a rollback of ${label}`} />
        ) : null}
        {followed ? (
          <OperationProgress operation={followed} app={app} />
        ) : (
          <>
            <Typography variant="body2" paragraph>
              Mooring will apply revision <code>{sha}</code>
              {run.commit?.message
                ? ` (“${run.commit.message.split('\n')[0]}”)`
                : ''}{' '}
              to {app.destination.cluster}/{app.destination.namespace}.
            </Typography>
            {app.policy.sync === 'auto' ? (
              <Typography variant="body2" paragraph>
                This application syncs automatically: after the rollback it
                stays at <code>{sha}</code> and automation leaves newer commits
                to {app.source.revision || 'the default branch'} alone until
                someone presses Resume automation. Revert the commit in Git to
                make the rollback last beyond that.
              </Typography>
            ) : null}
            {busy ? (
              <LinearProgress aria-label="Starting the rollback" />
            ) : null}
          </>
        )}
      </DialogContent>
      <DialogActions>
        {followed ? (
          <Button onClick={onClose} color={done ? 'primary' : 'default'}>
            {done ? 'Close' : 'Close (the rollback continues)'}
          </Button>
        ) : (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button
              color="primary"
              variant="contained"
              onClick={confirm}
              disabled={busy}
              aria-label={`Confirm rollback of ${label} to ${sha}`}
            >
              Roll back
            </Button>
          </>
        )}
      </DialogActions>
    </Dialog>
  );
}
