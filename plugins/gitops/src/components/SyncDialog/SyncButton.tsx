import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import SyncIcon from '@material-ui/icons/Sync';
import type { Application } from '@mooring/plugin-gitops-common';
import type { SyncPermission } from '../../hooks';
import { whySyncIsBlocked } from '../../lib/automation';
import { SyncDialog, SyncOnly } from './SyncDialog';
import { applicationLabel } from './applicationLabel';

/**
 * Opens the sync dialog (of the whole application, or with `only` of some of its
 * objects). Disabled, with the reason in its tooltip, when the user may not sync, an
 * operation is already running or a sync window refuses manual syncs.
 */
export function SyncButton(props: {
  app: Application;
  permission: SyncPermission;
  label?: string;
  ariaLabel?: string;
  only?: SyncOnly;
  size?: 'small' | 'medium';
}) {
  const { app, permission, only } = props;
  const [open, setOpen] = useState(false);
  const label = props.label ?? 'Sync';
  const ariaLabel = props.ariaLabel ?? `Sync ${applicationLabel(app)}`;
  const reason = whySyncIsBlocked(app, permission);
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
          only={only}
        />
      ) : null}
    </>
  );
}
