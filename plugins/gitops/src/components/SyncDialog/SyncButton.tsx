import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import SyncIcon from '@material-ui/icons/Sync';
import type { Application } from '@mooring/plugin-gitops-common';
import type { SyncPermission } from '../../hooks';
import { SyncDialog, applicationLabel } from './SyncDialog';

/**
 * Opens the sync dialog. Disabled, with the reason in its tooltip, when the user may not
 * sync or an operation is already running.
 */
export function SyncButton(props: {
  app: Application;
  permission: SyncPermission;
  label?: string;
  ariaLabel?: string;
  note?: string;
  size?: 'small' | 'medium';
}) {
  const { app, permission, note } = props;
  const [open, setOpen] = useState(false);
  const running =
    app.status.operation?.phase === 'Running' && !app.status.operation.dryRun;
  const label = props.label ?? 'Sync';
  const ariaLabel = props.ariaLabel ?? `Sync ${applicationLabel(app)}`;
  let reason: string | undefined = permission.reason;
  if (!reason && running) {
    reason = 'A sync is running; wait for it to finish.';
  }
  return (
    <>
      <Tooltip title={reason ?? ariaLabel}>
        {/* The span lets the tooltip explain a disabled button. */}
        <span>
          <Button
            variant="outlined"
            color="primary"
            size={props.size ?? 'small'}
            startIcon={<SyncIcon aria-hidden />}
            onClick={() => setOpen(true)}
            disabled={!!reason}
            aria-label={ariaLabel}
          >
            {label}
          </Button>
        </span>
      </Tooltip>
      {open ? (
        <SyncDialog
          app={app}
          open={open}
          onClose={() => setOpen(false)}
          note={note}
        />
      ) : null}
    </>
  );
}
