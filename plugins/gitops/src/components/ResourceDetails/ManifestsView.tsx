import { useState } from 'react';
import { Progress } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Grid from '@material-ui/core/Grid';
import Switch from '@material-ui/core/Switch';
import Typography from '@material-ui/core/Typography';
import type { ResourceManifests } from '../../api';
import { foldManagedFields } from '../../lib/manifests';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import type { Fetched } from './useFetched';

const codeStyle = {
  fontFamily: 'monospace',
  fontSize: 12,
  whiteSpace: 'pre' as const,
  overflow: 'auto',
  maxHeight: '60vh',
  margin: 0,
  padding: 8,
  background: 'rgba(127, 127, 127, 0.08)',
};

function Manifest(props: {
  title: string;
  yaml?: string | null;
  absent: string;
  fold: boolean;
}) {
  const { title, yaml, absent, fold } = props;
  return (
    <Box component="section" aria-label={`${title} manifest`}>
      <Typography variant="subtitle2" component="h3" gutterBottom>
        {title}
      </Typography>
      {yaml ? (
        <pre style={codeStyle}>{fold ? foldManagedFields(yaml) : yaml}</pre>
      ) : (
        <Typography variant="body2" color="textSecondary">
          {absent}
        </Typography>
      )}
    </Box>
  );
}

/** Live and desired manifests side by side (Secret values arrive masked). */
export function ManifestsView(props: {
  manifests: Fetched<ResourceManifests>;
  subject: string;
}) {
  const { manifests, subject } = props;
  const [fold, setFold] = useState(true);
  if (manifests.value === undefined) {
    if (manifests.error) {
      return (
        <ErrorMessage
          error={manifests.error}
          subject={`the manifests of ${subject}`}
          onRetry={manifests.retry}
        />
      );
    }
    return <Progress aria-label="Loading manifests" />;
  }
  return (
    <>
      <FormControlLabel
        control={
          <Switch checked={fold} onChange={e => setFold(e.target.checked)} />
        }
        label="Fold managedFields"
      />
      <Grid container spacing={2}>
        <Grid item xs={12} md={6}>
          <Manifest
            title="Live"
            yaml={manifests.value.live}
            absent="Not in the cluster."
            fold={fold}
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <Manifest
            title="Desired"
            yaml={manifests.value.desired}
            absent="Not in Git: its owner creates it in the cluster."
            fold={fold}
          />
        </Grid>
      </Grid>
    </>
  );
}
