import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogTitle from '@material-ui/core/DialogTitle';
import DialogContent from '@material-ui/core/DialogContent';
import DialogActions from '@material-ui/core/DialogActions';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import PauseIcon from '@material-ui/icons/Pause';
import type { Application } from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { useApplications } from '../../hooks';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { applicationLabel } from '../SyncDialog';

/** The longest reason the API takes. */
const MAX_REASON = 500;

function SuspendDialog(props: { app: Application; onClose: () => void }) {
  const { app, onClose } = props;
  const api = useApi(gitopsApiRef);
  const { refresh } = useApplications(app.entityRef);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>();
  const label = applicationLabel(app);
  const trimmed = reason.trim();

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.suspend(app.id, trimmed);
      await refresh();
      onClose();
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };

  const automatic = [
    app.policy.sync === 'auto' ? 'applying new commits' : undefined,
    app.policy.selfHeal ? 'reverting live edits' : undefined,
  ].filter(Boolean);
  return (
    <Dialog
      open
      onClose={onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="gitops-suspend-title"
    >
      <DialogTitle id="gitops-suspend-title">
        Suspend automation of {label}
      </DialogTitle>
      <DialogContent>
        {error ? (
          <ErrorMessage error={error} subject={`a suspension of ${label}`} />
        ) : null}
        <Typography variant="body2" paragraph>
          Mooring stops {automatic.join(' and ') || 'its automation'} for{' '}
          {label} until someone resumes it. Sync, Rollback and Refresh keep
          working.
        </Typography>
        <TextField
          id="gitops-suspend-reason"
          label="Reason"
          value={reason}
          onChange={e => setReason(e.target.value)}
          fullWidth
          required
          multiline
          minRows={2}
          disabled={busy}
          inputProps={{ maxLength: MAX_REASON }}
          helperText="Shown on the card and in the audit log, e.g. “Investigating incident 4711”."
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={confirm}
          disabled={busy || trimmed === ''}
          aria-label={`Confirm suspension of ${label}`}
        >
          Suspend
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** "Suspend automation": asks why, then pauses auto-sync and self-heal. */
export function SuspendButton(props: { app: Application }) {
  const { app } = props;
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button
        size="small"
        startIcon={<PauseIcon aria-hidden />}
        onClick={() => setOpen(true)}
        aria-label={`Suspend automation of ${applicationLabel(app)}`}
      >
        Suspend automation
      </Button>
      {open ? <SuspendDialog app={app} onClose={() => setOpen(false)} /> : null}
    </>
  );
}
