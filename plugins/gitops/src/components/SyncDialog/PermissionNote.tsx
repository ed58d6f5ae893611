import Alert from '@material-ui/lab/Alert';
import type { SyncPermission } from '../../hooks';

/** Says once, in words, why Sync and Rollback are disabled for this user. */
export function PermissionNote(props: { permission: SyncPermission }) {
  const { permission } = props;
  if (permission.loading || permission.allowed || !permission.reason) {
    return null;
  }
  return (
    <Alert severity="info" style={{ marginBottom: 16 }}>
      {permission.reason}
    </Alert>
  );
}
