import Typography from '@material-ui/core/Typography';
import Box from '@material-ui/core/Box';
import { makeStyles, Theme } from '@material-ui/core/styles';
import type {
  ChangeAction,
  ResourceChange,
} from '@mooring/plugin-gitops-common';

const useStyles = makeStyles((theme: Theme) => ({
  list: { margin: theme.spacing(0.5, 0, 1), paddingLeft: theme.spacing(3) },
  item: { fontFamily: 'monospace', fontSize: theme.typography.body2.fontSize },
  created: { color: theme.palette.success.dark },
  configured: { color: theme.palette.info.dark },
  adopted: { color: theme.palette.info.dark },
  deleted: { color: theme.palette.error.dark },
  failed: { color: theme.palette.error.main },
}));

const ORDER: ChangeAction[] = [
  'created',
  'adopted',
  'configured',
  'replaced',
  'deleted',
  'kept',
  'succeeded',
  'failed',
];

const PREVIEW_HEADING: Record<ChangeAction, string> = {
  created: 'Will be created',
  adopted: 'Will be adopted (exists without a Mooring tracking id)',
  configured: 'Will be changed',
  deleted: 'Will be deleted',
  failed: 'Would fail',
  unchanged: 'Unchanged',
  replaced: 'Will be replaced',
  kept: 'Will be left in place',
  succeeded: 'Hooks that will run',
};

const RESULT_HEADING: Record<ChangeAction, string> = {
  created: 'Created',
  adopted: 'Adopted',
  configured: 'Changed',
  deleted: 'Deleted',
  failed: 'Failed',
  unchanged: 'Unchanged',
  replaced: 'Replaced',
  kept: 'Left in place',
  succeeded: 'Hooks run',
};

/** One-line summary, e.g. "2 to create, 1 to change, 0 to delete". */
export function summarizeChanges(changes: ResourceChange[]): string {
  const count = (action: ChangeAction) =>
    changes.filter(c => c.action === action).length;
  const parts = [
    `${count('created')} to create`,
    `${count('configured')} to change`,
    `${count('deleted')} to delete`,
  ];
  if (count('failed') > 0) parts.push(`${count('failed')} failing`);
  return parts.join(', ');
}

/**
 * The objects a sync creates, changes and deletes, grouped by action; `preview` words it
 * as what will happen rather than what happened.
 */
export function ChangeSet(props: {
  changes: ResourceChange[];
  preview?: boolean;
}) {
  const classes = useStyles();
  const { changes, preview } = props;
  const headings = preview ? PREVIEW_HEADING : RESULT_HEADING;
  const unchanged = changes.filter(c => c.action === 'unchanged').length;
  const changed = changes.filter(c => c.action !== 'unchanged');
  return (
    <Box>
      {changed.length === 0 ? (
        <Typography variant="body2" paragraph>
          {preview
            ? 'Nothing to change: the cluster already matches this revision.'
            : 'Nothing changed.'}
        </Typography>
      ) : null}
      {ORDER.map(action => {
        const items = changes.filter(c => c.action === action);
        if (items.length === 0) return null;
        const headingId = `changes-${action}`;
        return (
          <Box key={action}>
            <Typography
              variant="subtitle2"
              component="h4"
              id={headingId}
              className={classes[action as 'created']}
            >
              {headings[action]} ({items.length})
            </Typography>
            <ul className={classes.list} aria-labelledby={headingId}>
              {items.map(c => (
                <li
                  key={`${c.kind}/${c.namespace}/${c.name}`}
                  className={classes.item}
                >
                  {c.kind} {c.namespace ? `${c.namespace}/` : ''}
                  {c.name}
                  {c.message ? ` — ${c.message}` : ''}
                </li>
              ))}
            </ul>
          </Box>
        );
      })}
      {unchanged > 0 ? (
        <Typography variant="body2" color="textSecondary">
          {unchanged} {unchanged === 1 ? 'object' : 'objects'} unchanged.
        </Typography>
      ) : null}
    </Box>
  );
}
