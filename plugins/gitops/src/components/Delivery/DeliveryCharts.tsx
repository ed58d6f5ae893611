import { useEffect, useRef, useState } from 'react';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { DeliveryDay } from '@mooring/plugin-gitops-common';
import { dayLabel, durationUnit } from './formatDelivery';

const HEIGHT = 200;

/** The width of a box, followed as it resizes (a fixed guess where it cannot be measured). */
function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const element = ref.current;
    if (!element) return undefined;
    const measure = () => {
      if (element.clientWidth > 0) setWidth(element.clientWidth);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/**
 * Deployments per UTC day (succeeded and failed stacked) and the median lead
 * time of each day's deployments, one above the other on the same days.
 */
export function DeliveryCharts(props: { days: DeliveryDay[] }) {
  const theme = useTheme();
  const { ref, width } = useWidth();
  const unit = durationUnit(
    Math.max(0, ...props.days.map(d => d.leadTimeMedianSeconds ?? 0)),
  );
  const data = props.days.map(d => ({
    day: dayLabel(d.date),
    succeeded: d.deployments - d.failures,
    failed: d.failures,
    leadTime:
      d.leadTimeMedianSeconds === undefined
        ? null
        : Math.round((d.leadTimeMedianSeconds / unit.seconds) * 10) / 10,
  }));
  const total = props.days.reduce((n, d) => n + d.deployments, 0);
  const failed = props.days.reduce((n, d) => n + d.failures, 0);
  const axis = { fontSize: 12, fill: theme.palette.text.secondary };
  return (
    <div ref={ref}>
      <Typography variant="subtitle2">Deployments per day</Typography>
      <Box
        role="img"
        aria-label={`Deployments per day: ${total} over ${props.days.length} days, ${failed} failed`}
        data-testid="delivery-deployments-chart"
      >
        <BarChart
          width={width}
          height={HEIGHT}
          data={data}
          margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="day" tick={axis} minTickGap={16} />
          <YAxis
            allowDecimals={false}
            tick={axis}
            width={32}
            domain={[0, (max: number) => Math.max(1, max)]}
          />
          <Tooltip />
          <Legend />
          <Bar
            dataKey="succeeded"
            name="Succeeded"
            stackId="deployments"
            fill={theme.palette.success?.main ?? '#4caf50'}
            isAnimationActive={false}
          />
          <Bar
            dataKey="failed"
            name="Failed, Degraded or rolled back"
            stackId="deployments"
            fill={theme.palette.error.main}
            isAnimationActive={false}
          />
        </BarChart>
      </Box>
      <Box mt={2}>
        <Typography variant="subtitle2">
          Lead time for changes (median, {unit.label})
        </Typography>
      </Box>
      {data.every(d => d.leadTime === null) ? (
        <Typography variant="body2" color="textSecondary">
          None of these deployments went live (Synced and Healthy) yet.
        </Typography>
      ) : (
        <Box
          role="img"
          aria-label={`Median lead time per day, in ${unit.label}`}
          data-testid="delivery-lead-time-chart"
        >
          <LineChart
            width={width}
            height={HEIGHT}
            data={data}
            margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
          >
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" tick={axis} minTickGap={16} />
            <YAxis tick={axis} width={40} />
            <Tooltip />
            <Line
              type="monotone"
              dataKey="leadTime"
              name={`Lead time (${unit.label})`}
              stroke={theme.palette.primary.main}
              connectNulls
              dot
              isAnimationActive={false}
            />
          </LineChart>
        </Box>
      )}
    </div>
  );
}
