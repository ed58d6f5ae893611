import { makeStyles, Theme } from '@material-ui/core/styles';
import { parseUnifiedDiff } from '../../lib/diffLines';

const useStyles = makeStyles((theme: Theme) => ({
  pre: {
    margin: 0,
    padding: theme.spacing(1, 0),
    overflowX: 'auto',
    fontFamily: 'monospace',
    fontSize: 13,
    lineHeight: 1.5,
    background: theme.palette.background.default,
    borderRadius: theme.shape.borderRadius,
  },
  line: { display: 'block', padding: theme.spacing(0, 1), whiteSpace: 'pre' },
  added: {
    background:
      theme.palette.type === 'dark' ? 'rgba(46,160,67,0.25)' : '#e6ffec',
    color: theme.palette.type === 'dark' ? '#aff5b4' : '#116329',
  },
  removed: {
    background:
      theme.palette.type === 'dark' ? 'rgba(248,81,73,0.25)' : '#ffebe9',
    color: theme.palette.type === 'dark' ? '#ffdcd7' : '#82071e',
  },
  hunk: { color: theme.palette.info.main },
  header: { color: theme.palette.text.secondary, fontWeight: 600 },
  context: {},
}));

/**
 * A unified diff with added and removed lines coloured; the +/- markers stay, so the
 * meaning never rests on colour alone. The text is shown as the API sent it (Secret
 * values arrive masked and stay so).
 */
export function DiffView(props: { diff: string; label: string }) {
  const classes = useStyles();
  const lines = parseUnifiedDiff(props.diff);
  return (
    <pre className={classes.pre} aria-label={props.label}>
      <code>
        {lines.map((line, index) => (
          <span
            // Lines of a diff have no identity beyond their position.
            // eslint-disable-next-line react/no-array-index-key
            key={index}
            className={`${classes.line} ${classes[line.type]}`}
            data-diff-line={line.type}
          >
            {line.text}
          </span>
        ))}
      </code>
    </pre>
  );
}
