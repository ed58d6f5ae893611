import { useCallback, useEffect, useState } from 'react';
import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import ToggleButton from '@material-ui/lab/ToggleButton';
import ToggleButtonGroup from '@material-ui/lab/ToggleButtonGroup';
import type { DeliveryInsights } from '@mooring/plugin-gitops-common';
import { gitopsApiRef } from '../../api';
import { ErrorMessage } from '../GitopsStates/ErrorMessage';
import { DeliveryCharts } from './DeliveryCharts';
import {
  formatDuration,
  formatFrequency,
  formatPercent,
} from './formatDelivery';

/** The periods people may pick, in days. */
export const DELIVERY_PERIODS = [7, 30, 90] as const;
const DAY_MS = 86_400_000;

type Loaded =
  | { state: 'loading' }
  | { state: 'error'; error: Error }
  | { state: 'done'; insights: DeliveryInsights };

function useInsights(entityRef: string, target: string, days: number) {
  const api = useApi(gitopsApiRef);
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    api
      .getInsights({
        entityRef,
        ...(target ? { target } : {}),
        from: new Date(Date.now() - days * DAY_MS).toISOString(),
      })
      .then(
        insights => current && setLoaded({ state: 'done', insights }),
        error => current && setLoaded({ state: 'error', error }),
      );
    return () => {
      current = false;
    };
  }, [api, entityRef, target, days, attempt]);
  const retry = useCallback(() => setAttempt(n => n + 1), []);
  return { loaded, retry };
}

function Figure(props: {
  label: string;
  value: string;
  detail: string;
  testId: string;
}) {
  return (
    <Box data-testid={props.testId} role="group" aria-label={props.label}>
      <Typography
        variant="overline"
        color="textSecondary"
        component="div"
        noWrap
        title={props.label}
      >
        {props.label}
      </Typography>
      <Typography variant="h5" component="div">
        {props.value}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        {props.detail}
      </Typography>
    </Box>
  );
}

function Figures(props: { insights: DeliveryInsights }) {
  const { deployments, leadTime, changeFailureRate, timeToRestore } =
    props.insights;
  const plural = (n: number, word: string) =>
    `${n} ${word}${n === 1 ? '' : 's'}`;
  return (
    // As many columns as the card's width holds, so labels never wrap into the numbers.
    <Box
      display="grid"
      style={{
        gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))',
        gap: 16,
      }}
    >
      <Figure
        testId="delivery-deployments"
        label="Deployments"
        value={String(deployments.count)}
        detail={formatFrequency(deployments.perDay)}
      />
      <Figure
        testId="delivery-lead-time"
        label="Lead time for changes"
        value={
          leadTime.medianSeconds === undefined
            ? '–'
            : formatDuration(leadTime.medianSeconds)
        }
        detail={
          leadTime.p90Seconds === undefined
            ? 'commit to Synced and Healthy: none went live'
            : `median commit to Synced and Healthy; 90% within ${formatDuration(
                leadTime.p90Seconds,
              )}`
        }
      />
      <Figure
        testId="delivery-failure-rate"
        label="Change failure rate"
        value={
          changeFailureRate.rate === undefined
            ? '–'
            : formatPercent(changeFailureRate.rate)
        }
        detail={`${changeFailureRate.failures} of ${plural(
          changeFailureRate.deployments,
          'deployment',
        )} failed, ended Degraded or were rolled back`}
      />
      <Figure
        testId="delivery-restore"
        label="Time to restore"
        value={
          timeToRestore.medianSeconds === undefined
            ? '–'
            : formatDuration(timeToRestore.medianSeconds)
        }
        detail={
          timeToRestore.count === 0
            ? 'no failed deployment restored yet'
            : `median back to Synced and Healthy, over ${plural(
                timeToRestore.count,
                'restore',
              )}`
        }
      />
    </Box>
  );
}

function Selectors(props: {
  days: number;
  onDays: (days: number) => void;
  targets: string[];
  target: string;
  onTarget: (target: string) => void;
}) {
  return (
    <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 12 }}>
      {props.targets.length > 1 ? (
        <TextField
          select
          id="delivery-target"
          size="small"
          variant="outlined"
          label="Target"
          value={props.target}
          onChange={e => props.onTarget(e.target.value)}
          style={{ minWidth: 140 }}
        >
          <MenuItem value="">All targets</MenuItem>
          {props.targets.map(t => (
            <MenuItem key={t} value={t}>
              {t}
            </MenuItem>
          ))}
        </TextField>
      ) : null}
      <ToggleButtonGroup
        size="small"
        exclusive
        value={props.days}
        onChange={(_, value) => value && props.onDays(value)}
        aria-label="Period"
      >
        {DELIVERY_PERIODS.map(d => (
          <ToggleButton key={d} value={d} aria-label={`Last ${d} days`}>
            {d} days
          </ToggleButton>
        ))}
      </ToggleButtonGroup>
    </Box>
  );
}

/**
 * The "Delivery" card: deployment frequency, lead time for changes, change
 * failure rate and time to restore of a component (all targets or one) or a
 * group, with deployments per day (failures stacked) and the lead time by
 * day, over the last 7, 30 or 90 days.
 * @public
 */
export function DeliveryCard(props: {
  entityRef: string;
  /** The component's targets, for the target selector (none for a group). */
  targets?: string[];
}) {
  const { entityRef } = props;
  const [days, setDays] = useState<number>(30);
  const [target, setTarget] = useState('');
  const { loaded, retry } = useInsights(entityRef, target, days);
  const targets = props.targets ?? [];
  const isGroup = entityRef.toLocaleLowerCase('en-US').startsWith('group:');

  let body;
  if (loaded.state === 'loading') {
    body = <Progress aria-label="Loading delivery figures" />;
  } else if (loaded.state === 'error') {
    body = (
      <ErrorMessage
        error={loaded.error}
        subject={`the delivery figures of ${entityRef}`}
        onRetry={retry}
      />
    );
  } else if (loaded.insights.deployments.count === 0) {
    body = (
      <Box py={3} textAlign="center" data-testid="delivery-empty">
        <Typography variant="h6">
          No deployments in the last {days} days
        </Typography>
        <Typography variant="body2" color="textSecondary">
          {isGroup
            ? 'Figures appear once a component this group owns is synced.'
            : 'Figures appear once a sync applies a new commit.'}
        </Typography>
      </Box>
    );
  } else {
    const { insights } = loaded;
    body = (
      <>
        <Figures insights={insights} />
        <Box mt={3}>
          <DeliveryCharts days={insights.days} />
        </Box>
        {isGroup ? (
          <Typography variant="caption" color="textSecondary">
            Across {insights.components.length} component
            {insights.components.length === 1 ? '' : 's'}:{' '}
            {insights.components
              .map(ref => ref.replace(/^component:(default\/)?/, ''))
              .join(', ')}
          </Typography>
        ) : null}
      </>
    );
  }

  return (
    <InfoCard
      title="Delivery"
      subheader="From Mooring's sync history (UTC days)"
      action={
        <Box mt={1} mr={1}>
          <Selectors
            days={days}
            onDays={setDays}
            targets={targets}
            target={target}
            onTarget={setTarget}
          />
        </Box>
      }
    >
      {body}
    </InfoCard>
  );
}
