import { ReactNode } from 'react';
import Box from '@material-ui/core/Box';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { Link } from '@backstage/core-components';
import type { ResultHighlight } from '@backstage/plugin-search-common';
import { HighlightedSearchResultText } from '@backstage/plugin-search-react';
import type { HealthStatus, SyncStatus } from '@mooring/plugin-gitops-common';
import { shortSha } from '../../lib/commitUrl';
import { HealthStatusChip, SyncStatusChip } from '../StatusChip';

/**
 * The fields of a `gitops-application` search document, as the backend's
 * search collator writes them.
 */
interface GitopsApplicationResult {
  title: string;
  text: string;
  location: string;
  entityRef?: string;
  target?: string;
  cluster?: string;
  namespace?: string;
  revision?: string;
  sync?: string;
  health?: string;
}

const useStyles = makeStyles(theme => ({
  item: { display: 'flex', width: '100%' },
  body: { flex: 1, minWidth: 0 },
  facts: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5, 2),
    marginBottom: theme.spacing(0.5),
  },
  sha: { fontFamily: 'monospace' },
}));

function Fact(props: { label: string; children: ReactNode }) {
  return (
    <Typography variant="body2" color="textSecondary" component="span">
      {props.label}: {props.children}
    </Typography>
  );
}

/**
 * A Mooring application in the search results: its name and target linking
 * to the entity's Deployments tab, where it runs, the commit it runs, and its
 * sync and health.
 */
export function GitopsSearchResultListItem(props: {
  result?: GitopsApplicationResult | { [key: string]: unknown };
  highlight?: ResultHighlight;
  icon?: ReactNode;
}) {
  const classes = useStyles();
  const result = props.result as GitopsApplicationResult | undefined;
  if (!result) return null;
  const { highlight } = props;
  const title = highlight?.fields.title ? (
    <HighlightedSearchResultText
      text={highlight.fields.title}
      preTag={highlight.preTag}
      postTag={highlight.postTag}
    />
  ) : (
    result.title
  );
  return (
    <div className={classes.item}>
      {props.icon ? <ListItemIcon>{props.icon}</ListItemIcon> : null}
      <div className={classes.body}>
        <ListItemText
          primaryTypographyProps={{ variant: 'h6' }}
          primary={
            <Link noTrack to={result.location}>
              {title}
            </Link>
          }
          secondary={
            <span className={classes.facts}>
              {result.entityRef ? (
                <Fact label="Entity">{result.entityRef}</Fact>
              ) : null}
              <Fact label="Runs on">
                {result.cluster ?? '?'} / {result.namespace ?? '?'}
              </Fact>
              <Fact label="Revision">
                {result.revision ? (
                  <span className={classes.sha} title={result.revision}>
                    {shortSha(result.revision)}
                  </span>
                ) : (
                  'not synced yet'
                )}
              </Fact>
            </span>
          }
          secondaryTypographyProps={{ component: 'div' }}
        />
        <Box>
          {result.sync ? (
            <SyncStatusChip status={result.sync as SyncStatus} />
          ) : null}
          {result.health ? (
            <HealthStatusChip status={result.health as HealthStatus} />
          ) : null}
        </Box>
      </div>
    </div>
  );
}
