import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import ReplayIcon from '@material-ui/icons/Replay';
import LayersIcon from '@material-ui/icons/Layers';
import type {
  Application,
  ApplicationResource,
} from '@mooring/plugin-gitops-common';
import { gitopsApiRef, ResourceActionRequest } from '../../api';
import { useApplications } from '../../hooks';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { identityOf, resourceLabel, RESTARTABLE, SCALABLE } from './identity';

type Action = 'restart' | 'scale';

/** The most replicas the API accepts. */
const MAX_REPLICAS = 1000;

function ActionDialog(props: {
  app: Application;
  resource: ApplicationResource;
  action: Action;
  /** spec.replicas of the desired and live manifests, when set. */
  desiredReplicas?: number;
  liveReplicas?: number;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const { app, resource, action, desiredReplicas, liveReplicas } = props;
  const api = useApi(gitopsApiRef);
  const { refresh } = useApplications(app.entityRef);
  const label = resourceLabel(resource);
  const [replicas, setReplicas] = useState(
    String(liveReplicas ?? desiredReplicas ?? 1),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const count = Number(replicas);
  const valid =
    action === 'restart' ||
    (replicas.trim() !== '' &&
      Number.isInteger(count) &&
      count >= 0 &&
      count <= MAX_REPLICAS);

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    const request: ResourceActionRequest = {
      action,
      resource: identityOf(resource),
      ...(action === 'scale' ? { replicas: count } : {}),
    };
    try {
      await api.runAction(app.id, request);
      await refresh();
      props.onDone(
        action === 'restart'
          ? `Restart of ${label} requested: its pods are replaced as its rollout strategy allows.`
          : `${label} scaled to ${count} replica${count === 1 ? '' : 's'}.`,
      );
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };

  const title = action === 'restart' ? `Restart ${label}` : `Scale ${label}`;
  return (
    <Dialog
      open
      onClose={props.onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="gitops-action-title"
    >
      <DialogTitle id="gitops-action-title">{title}</DialogTitle>
      <DialogContent>
        {error ? (
          <ErrorMessage error={error} subject={`a ${action} of ${label}`} />
        ) : null}
        {action === 'restart' ? (
          <Typography variant="body2" paragraph>
            Replaces every pod of {label}, as kubectl rollout restart does. Git
            is not changed.
          </Typography>
        ) : (
          <>
            {desiredReplicas !== undefined ? (
              <Alert severity="warning" style={{ marginBottom: 16 }}>
                Git sets spec.replicas for this object ({desiredReplicas}):
                scaling is drift, and self-heal (if on) will set it back.
              </Alert>
            ) : null}
            <TextField
              id="gitops-scale-replicas"
              label="Replicas"
              type="number"
              value={replicas}
              onChange={e => setReplicas(e.target.value)}
              inputProps={{ min: 0, max: MAX_REPLICAS, step: 1 }}
              disabled={busy}
              error={!valid}
              helperText={
                valid ? undefined : `A whole number from 0 to ${MAX_REPLICAS}.`
              }
            />
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={confirm}
          disabled={busy || !valid}
          aria-label={`Confirm: ${title.toLowerCase()}`}
        >
          {action === 'restart' ? 'Restart' : 'Scale'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/**
 * Restart and Scale for a workload, for people who may sync (the caller hides them
 * from others).
 */
export function ResourceActions(props: {
  app: Application;
  resource: ApplicationResource;
  desiredReplicas?: number;
  liveReplicas?: number;
}) {
  const { resource } = props;
  const [open, setOpen] = useState<Action | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const label = resourceLabel(resource);
  const canRestart = RESTARTABLE.includes(resource.kind);
  const canScale = SCALABLE.includes(resource.kind);
  if (!canRestart && !canScale) return null;
  return (
    <Box mb={2}>
      <Box display="flex" style={{ gap: 8 }}>
        {canRestart ? (
          <Button
            variant="outlined"
            size="small"
            startIcon={<ReplayIcon aria-hidden />}
            onClick={() => setOpen('restart')}
            aria-label={`Restart ${label}`}
          >
            Restart
          </Button>
        ) : null}
        {canScale ? (
          <Button
            variant="outlined"
            size="small"
            startIcon={<LayersIcon aria-hidden />}
            onClick={() => setOpen('scale')}
            aria-label={`Scale ${label}`}
          >
            Scale
          </Button>
        ) : null}
      </Box>
      {done ? (
        <Alert severity="success" style={{ marginTop: 8 }} role="status">
          {done}
        </Alert>
      ) : null}
      {open ? (
        <ActionDialog
          {...props}
          action={open}
          onClose={() => setOpen(undefined)}
          onDone={message => {
            setOpen(undefined);
            setDone(message);
          }}
        />
      ) : null}
    </Box>
  );
}
