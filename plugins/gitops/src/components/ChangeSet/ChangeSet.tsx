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
  wave: {
    fontFamily: theme.typography.fontFamily,
    color: theme.palette.text.secondary,
  },
  hooks: { color: theme.palette.text.primary },
  created: { color: theme.palette.success.dark },
  configured: { color: theme.palette.info.dark },
  adopted: { color: theme.palette.info.dark },
  replaced: { color: theme.palette.warning.dark },
  deleted: { color: theme.palette.error.dark },
  kept: { color: theme.palette.text.secondary },
  succeeded: { color: theme.palette.success.dark },
  failed: { color: theme.palette.error.main },
  unchanged: {},
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

/** Hook phases in the order a sync runs them. */
const HOOK_ORDER: NonNullable<ResourceChange['hook']>[] = [
  'PreSync',
  'Sync',
  'PostSync',
  'SyncFail',
  'PostDelete',
];

/** What happened to one hook, after its name. */
const HOOK_RESULT: Record<ChangeAction, string> = {
  created: 'started',
  adopted: 'adopted',
  configured: 'changed',
  deleted: 'deleted',
  failed: 'failed',
  unchanged: 'unchanged',
  replaced: 'replaced',
  kept: 'kept',
  succeeded: 'succeeded',
};

const isHook = (c: ResourceChange) => !!c.hook;

function objectName(c: ResourceChange): string {
  return `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`;
}

function changeKey(c: ResourceChange): string {
  return `${c.hook ?? ''}/${c.group ?? ''}/${c.kind}/${c.namespace}/${c.name}`;
}

/**
 * One-line summary of the objects (hooks apart), e.g. "2 to create, 1 to change, 0 to
 * delete, 1 hook".
 */
export function summarizeChanges(changes: ResourceChange[]): string {
  const objects = changes.filter(c => !isHook(c));
  const count = (action: ChangeAction) =>
    objects.filter(c => c.action === action).length;
  const parts = [
    `${count('created')} to create`,
    `${count('configured')} to change`,
    `${count('deleted')} to delete`,
  ];
  if (count('replaced') > 0) parts.push(`${count('replaced')} to replace`);
  const hooks = changes.length - objects.length;
  if (hooks > 0) parts.push(`${hooks} ${hooks === 1 ? 'hook' : 'hooks'}`);
  const failing = changes.filter(c => c.action === 'failed').length;
  if (failing > 0) parts.push(`${failing} failing`);
  return parts.join(', ');
}

/**
 * The objects a sync creates, changes and deletes, grouped by action, then its hooks
 * grouped by phase; each with its wave when the sync has several. `preview` words it as
 * what will happen rather than what happened.
 */
export function ChangeSet(props: {
  changes: ResourceChange[];
  preview?: boolean;
}) {
  const classes = useStyles();
  const { changes, preview } = props;
  const headings = preview ? PREVIEW_HEADING : RESULT_HEADING;
  const objects = changes.filter(c => !isHook(c));
  const hooks = changes.filter(isHook);
  const unchanged = objects.filter(c => c.action === 'unchanged').length;
  const waves = new Set(changes.map(c => c.wave ?? 0));
  const showWaves = waves.size > 1;

  const item = (c: ResourceChange, result?: string) => (
    <li key={changeKey(c)} className={classes.item}>
      {objectName(c)}
      {showWaves ? (
        <span className={classes.wave}> · wave {c.wave ?? 0}</span>
      ) : null}
      {result ? <span className={classes[c.action]}> — {result}</span> : null}
      {c.message ? ` — ${c.message}` : ''}
    </li>
  );

  return (
    <Box>
      {objects.length === unchanged && hooks.length === 0 ? (
        <Typography variant="body2" paragraph>
          {preview
            ? 'Nothing to change: the cluster already matches this revision.'
            : 'Nothing changed.'}
        </Typography>
      ) : null}
      {ORDER.map(action => {
        const items = objects.filter(c => c.action === action);
        if (items.length === 0) return null;
        const headingId = `changes-${action}`;
        return (
          <Box key={action}>
            <Typography
              variant="subtitle2"
              component="h4"
              id={headingId}
              className={classes[action]}
            >
              {headings[action]} ({items.length})
            </Typography>
            <ul className={classes.list} aria-labelledby={headingId}>
              {items.map(c => item(c))}
            </ul>
          </Box>
        );
      })}
      {HOOK_ORDER.map(phase => {
        const items = hooks.filter(c => c.hook === phase);
        if (items.length === 0) return null;
        const headingId = `changes-hooks-${phase}`;
        return (
          <Box key={phase}>
            <Typography
              variant="subtitle2"
              component="h4"
              id={headingId}
              className={classes.hooks}
            >
              {`${phase} ${preview ? 'hooks that will run' : 'hooks'} (${
                items.length
              })`}
            </Typography>
            <ul className={classes.list} aria-labelledby={headingId}>
              {items.map(c =>
                item(
                  c,
                  // A preview only says what will run, unless it already fails.
                  preview && c.action !== 'failed'
                    ? undefined
                    : HOOK_RESULT[c.action],
                ),
              )}
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
