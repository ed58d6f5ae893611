import { useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { Progress } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import MenuItem from '@material-ui/core/MenuItem';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import type {
  Application,
  ApplicationResource,
} from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { containersOf } from '../../lib/manifests';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { identityOf } from './identity';
import { useFetched } from './useFetched';

export const TAIL_CHOICES = [50, 100, 500, 1000];
/** How often "follow" fetches the log again. */
export const FOLLOW_INTERVAL_MS = 2_000;

function ContainerLog(props: {
  app: Application;
  pod: ApplicationResource;
  container?: string;
  tailLines: number;
  follow: boolean;
}) {
  const { app, pod, container, tailLines, follow } = props;
  const api = useApi(gitopsApiRef);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!follow) return undefined;
    const timer = setInterval(() => setTick(t => t + 1), FOLLOW_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [follow]);
  const log = useFetched(
    () =>
      api.getLogs(app.id, {
        namespace: pod.namespace,
        pod: pod.name,
        container,
        tailLines,
      }),
    [api, app.id, pod.namespace, pod.name, container, tailLines, tick],
  );
  const subject = `the log of ${
    container ? `container ${container} of ` : ''
  }pod ${pod.namespace}/${pod.name}`;
  return (
    <>
      {log.error ? (
        <ErrorMessage error={log.error} subject={subject} onRetry={log.retry} />
      ) : null}
      {log.value === undefined && !log.error ? (
        <Progress aria-label="Loading log" />
      ) : null}
      {log.value !== undefined ? (
        <pre
          aria-label={`Log of ${container ?? pod.name}`}
          style={{
            fontFamily: 'monospace',
            fontSize: 12,
            whiteSpace: 'pre-wrap',
            maxHeight: '60vh',
            overflow: 'auto',
            margin: 0,
            padding: 8,
            background: 'rgba(127, 127, 127, 0.08)',
          }}
        >
          {log.value || '(no log lines yet)'}
        </pre>
      ) : null}
    </>
  );
}

/**
 * The logs of a pod's containers (a workload's: pick one of its pods), with how many
 * lines to show and "follow", which fetches them again every 2 s.
 */
export function PodLogs(props: {
  app: Application;
  pods: ApplicationResource[];
}) {
  const { app, pods } = props;
  const api = useApi(gitopsApiRef);
  const [podName, setPodName] = useState(pods[0]?.name);
  const pod = pods.find(p => p.name === podName) ?? pods[0];
  const [chosenContainer, setContainer] = useState<string | undefined>();
  const [tailLines, setTailLines] = useState(100);
  const [follow, setFollow] = useState(false);
  const manifest = useFetched(
    () =>
      pod
        ? api.getManifests(app.id, identityOf(pod))
        : Promise.resolve(undefined),
    [api, app.id, pod?.namespace, pod?.name],
  );
  if (!pod) {
    return <Typography variant="body2">No pods to read logs from.</Typography>;
  }
  if (manifest.loading && manifest.value === undefined && !manifest.error) {
    return <Progress aria-label="Loading containers" />;
  }
  // Without the pod's manifest, the backend picks its only container.
  const containers = containersOf(manifest.value?.live);
  const container =
    chosenContainer && containers.includes(chosenContainer)
      ? chosenContainer
      : containers[0];
  return (
    <Box>
      <Box display="flex" flexWrap="wrap" alignItems="center" mb={1}>
        {pods.length > 1 ? (
          <TextField
            select
            id="gitops-logs-pod"
            label="Pod"
            size="small"
            value={pod.name}
            onChange={e => setPodName(e.target.value)}
            style={{ minWidth: 240, marginRight: 16 }}
          >
            {pods.map(p => (
              <MenuItem key={p.name} value={p.name}>
                {p.name}
              </MenuItem>
            ))}
          </TextField>
        ) : null}
        {containers.length > 0 ? (
          <TextField
            select
            id="gitops-logs-container"
            label="Container"
            size="small"
            value={container}
            onChange={e => setContainer(e.target.value)}
            style={{ minWidth: 160, marginRight: 16 }}
          >
            {containers.map(c => (
              <MenuItem key={c} value={c}>
                {c}
              </MenuItem>
            ))}
          </TextField>
        ) : null}
        <TextField
          select
          id="gitops-logs-tail"
          label="Last lines"
          size="small"
          value={tailLines}
          onChange={e => setTailLines(Number(e.target.value))}
          style={{ minWidth: 120, marginRight: 16 }}
        >
          {TAIL_CHOICES.map(n => (
            <MenuItem key={n} value={n}>
              {n}
            </MenuItem>
          ))}
        </TextField>
        <FormControlLabel
          control={
            <Switch
              checked={follow}
              onChange={e => setFollow(e.target.checked)}
            />
          }
          label="Follow"
        />
      </Box>
      <ContainerLog
        app={app}
        pod={pod}
        container={container}
        tailLines={tailLines}
        follow={follow}
      />
    </Box>
  );
}
