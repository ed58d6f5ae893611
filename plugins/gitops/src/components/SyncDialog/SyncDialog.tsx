import { useEffect, useMemo, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Dialog from '@material-ui/core/Dialog';
import DialogTitle from '@material-ui/core/DialogTitle';
import DialogContent from '@material-ui/core/DialogContent';
import DialogActions from '@material-ui/core/DialogActions';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import Typography from '@material-ui/core/Typography';
import Chip from '@material-ui/core/Chip';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import type {
  Application,
  Operation,
  ResourceSelector,
  SyncRequest,
} from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { useApplications, useHistory } from '../../hooks';
import { shortSha } from '../../lib/commitUrl';
import { waitForOperation } from '../../lib/waitForOperation';
import { ChangeSet, summarizeChanges } from '../ChangeSet';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { OperationProgress } from './OperationProgress';
import { applicationLabel } from './applicationLabel';

type Step =
  | { name: 'options' }
  | { name: 'previewing' }
  | { name: 'preview'; operation: Operation }
  | { name: 'starting' }
  | { name: 'following'; operation: Operation };

/**
 * Follows an operation through the shared applications poller (which polls faster while
 * it runs), falling back to the operation as it was started.
 */
export function useFollowedOperation(
  entityRef: string,
  appId: string,
  started: Operation | undefined,
): Operation | undefined {
  const { value } = useApplications(entityRef);
  if (!started) return undefined;
  const latest = value?.find(a => a.id === appId)?.status.operation;
  if (latest && (latest.id === started.id || latest.runId === started.runId)) {
    return latest;
  }
  return started;
}

/** A selective sync: only these objects, named for people. */
export interface SyncOnly {
  resources: ResourceSelector[];
  /** e.g. "Deployment payments/payments". */
  name: string;
}

/**
 * Sync in three steps: choose revision and prune, preview exactly what will be created,
 * changed and deleted (a dry run), then confirm and watch the sync until it is done.
 * With `only`, just those objects are synced, at the application's revision.
 */
export function SyncDialog(props: {
  app: Application;
  open: boolean;
  onClose: () => void;
  only?: SyncOnly;
}) {
  const { app, open, onClose, only } = props;
  const api = useApi(gitopsApiRef);
  const { refresh } = useApplications(app.entityRef);
  const history = useHistory(open ? app : undefined);
  const [revision, setRevision] = useState('');
  const [prune, setPrune] = useState(app.policy.prune);
  const [step, setStep] = useState<Step>({ name: 'options' });
  const [error, setError] = useState<Error | undefined>();
  const followed = useFollowedOperation(
    app.entityRef,
    app.id,
    step.name === 'following' ? step.operation : undefined,
  );
  const label = applicationLabel(app);

  useEffect(() => {
    if (open) {
      setRevision('');
      setPrune(app.policy.prune);
      setStep({ name: 'options' });
      setError(undefined);
    }
  }, [open, app.id, app.policy.prune]);

  const recentRevisions = useMemo(() => {
    const seen = new Map<string, string>();
    for (const run of history.value ?? []) {
      if (run.commit?.sha && !seen.has(run.commit.sha)) {
        seen.set(run.commit.sha, run.commit.message.split('\n')[0]);
      }
    }
    return [...seen].slice(0, 5);
  }, [history.value]);

  const request = (): SyncRequest =>
    only
      ? { resources: only.resources }
      : { revision: revision.trim() || undefined, prune };

  const preview = async () => {
    setError(undefined);
    setStep({ name: 'previewing' });
    try {
      const started = await api.sync(app.id, { ...request(), dryRun: true });
      const operation = await waitForOperation(api, app.id, started);
      setStep({ name: 'preview', operation });
    } catch (e) {
      setError(e as Error);
      setStep({ name: 'options' });
    }
  };

  const confirm = async () => {
    setError(undefined);
    setStep({ name: 'starting' });
    try {
      const operation = await api.sync(app.id, request());
      setStep({ name: 'following', operation });
      await refresh();
    } catch (e) {
      setError(e as Error);
      setStep({ name: 'options' });
    }
  };

  const done =
    step.name === 'following' && followed && followed.phase !== 'Running';
  const defaultRevision =
    app.source.revision || "the repository's default branch";

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="gitops-sync-dialog-title"
    >
      <DialogTitle id="gitops-sync-dialog-title">
        Sync {only ? `${only.name} of ` : ''}
        {label}
      </DialogTitle>
      <DialogContent>
        {only ? (
          <Typography variant="body2" paragraph>
            Only {only.name} is applied, at the revision {label} is at
            {app.status.targetRevision ? (
              <>
                {' '}
                (<code>{shortSha(app.status.targetRevision)}</code>)
              </>
            ) : null}
            ; its other objects stay as they are, hooks do not run and nothing
            is pruned.
          </Typography>
        ) : null}
        {error ? (
          <ErrorMessage error={error} subject={`a sync of ${label}`} />
        ) : null}
        {(step.name === 'options' || step.name === 'previewing') && !only ? (
          <Box>
            <TextField
              id="gitops-sync-revision"
              label="Revision"
              value={revision}
              onChange={e => setRevision(e.target.value)}
              fullWidth
              margin="normal"
              placeholder="latest"
              helperText={`Branch, tag or commit. Leave empty for the latest commit of ${defaultRevision}.`}
              disabled={step.name === 'previewing'}
            />
            {recentRevisions.length > 0 ? (
              <Box mb={1}>
                <Typography variant="caption" color="textSecondary">
                  Recent commits:
                </Typography>{' '}
                {recentRevisions.map(([sha, message]) => (
                  <Chip
                    key={sha}
                    size="small"
                    label={`${shortSha(sha)} ${message}`}
                    onClick={() => setRevision(sha)}
                    style={{ margin: 2, maxWidth: 320 }}
                    aria-label={`Use commit ${shortSha(sha)}: ${message}`}
                  />
                ))}
              </Box>
            ) : null}
            <FormControlLabel
              control={
                <Switch
                  checked={prune}
                  onChange={e => setPrune(e.target.checked)}
                  disabled={step.name === 'previewing'}
                />
              }
              label="Prune: delete objects that were removed from Git"
            />
          </Box>
        ) : null}
        {step.name === 'previewing' ? (
          <Box mt={2}>
            <Typography variant="body2">
              Computing what this sync will change…
            </Typography>
            <LinearProgress aria-label="Computing the preview" />
          </Box>
        ) : null}
        {step.name === 'preview' ? (
          <Box>
            <Typography variant="subtitle1" component="h3" gutterBottom>
              Preview of{' '}
              {shortSha(step.operation.revision) || 'the latest revision'}
              {only && `, only ${only.name}`}
              {!only && (prune ? ' with prune' : ' without prune')}:{' '}
              {summarizeChanges(step.operation.changes ?? [])}
            </Typography>
            {step.operation.phase === 'Failed' ||
            step.operation.phase === 'Error' ? (
              <ErrorMessage
                error={
                  new Error(step.operation.message || 'The dry run failed.')
                }
                subject={`a preview of ${label}`}
              />
            ) : null}
            <ChangeSet changes={step.operation.changes ?? []} preview />
          </Box>
        ) : null}
        {step.name === 'starting' ? (
          <LinearProgress aria-label="Starting the sync" />
        ) : null}
        {step.name === 'following' && followed ? (
          <OperationProgress operation={followed} app={app} />
        ) : null}
      </DialogContent>
      <DialogActions>
        {step.name === 'options' || step.name === 'previewing' ? (
          <>
            <Button onClick={onClose}>Cancel</Button>
            <Button
              color="primary"
              variant="contained"
              onClick={preview}
              disabled={step.name === 'previewing'}
            >
              Preview changes
            </Button>
          </>
        ) : null}
        {step.name === 'preview' ? (
          <>
            <Button onClick={() => setStep({ name: 'options' })}>Back</Button>
            <Button
              color="primary"
              variant="contained"
              onClick={confirm}
              aria-label={`Confirm sync of ${label}`}
              disabled={
                step.operation.phase === 'Failed' ||
                step.operation.phase === 'Error'
              }
            >
              Sync
            </Button>
          </>
        ) : null}
        {step.name === 'following' ? (
          <Button
            onClick={onClose}
            color={done ? 'primary' : 'default'}
            variant={done ? 'contained' : 'text'}
          >
            {done ? 'Close' : 'Close (the sync continues)'}
          </Button>
        ) : null}
      </DialogActions>
    </Dialog>
  );
}
