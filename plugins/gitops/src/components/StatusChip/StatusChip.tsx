import { cloneElement, ReactElement } from 'react';
import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import { makeStyles, Theme } from '@material-ui/core/styles';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import SyncProblemIcon from '@material-ui/icons/SyncProblem';
import HelpIcon from '@material-ui/icons/Help';
import FavoriteIcon from '@material-ui/icons/Favorite';
import AutorenewIcon from '@material-ui/icons/Autorenew';
import HeartBrokenIcon from '@material-ui/icons/ErrorOutline';
import PauseCircleIcon from '@material-ui/icons/PauseCircleFilled';
import RemoveCircleIcon from '@material-ui/icons/RemoveCircle';
import CancelIcon from '@material-ui/icons/Cancel';
import type {
  HealthStatus,
  OperationPhase,
  SyncStatus,
} from '@mooring/plugin-gitops-common';

type Tone = 'good' | 'warn' | 'bad' | 'busy' | 'neutral';

const useStyles = makeStyles((theme: Theme) => {
  const tone = (color: string) => ({
    color,
    borderColor: color,
    '& $icon': { color },
  });
  return {
    chip: { fontWeight: 500, margin: theme.spacing(0, 0.5, 0.5, 0) },
    icon: {},
    good: tone(theme.palette.success.main),
    warn: tone(theme.palette.warning.dark),
    bad: tone(theme.palette.error.main),
    busy: tone(theme.palette.info.main),
    neutral: tone(theme.palette.text.secondary),
  };
});

interface ChipSpec {
  tone: Tone;
  icon: ReactElement;
  description: string;
}

const SYNC: Record<SyncStatus, ChipSpec> = {
  Synced: {
    tone: 'good',
    icon: <CheckCircleIcon />,
    description: 'The cluster matches Git',
  },
  OutOfSync: {
    tone: 'warn',
    icon: <SyncProblemIcon />,
    description: 'The cluster differs from Git',
  },
  Unknown: {
    tone: 'neutral',
    icon: <HelpIcon />,
    description: 'Mooring could not compare the cluster with Git',
  },
};

const HEALTH: Record<HealthStatus, ChipSpec> = {
  Healthy: {
    tone: 'good',
    icon: <FavoriteIcon />,
    description: 'Every resource is healthy',
  },
  Progressing: {
    tone: 'busy',
    icon: <AutorenewIcon />,
    description: 'A rollout is in progress',
  },
  Degraded: {
    tone: 'bad',
    icon: <HeartBrokenIcon />,
    description: 'A resource is failing',
  },
  Suspended: {
    tone: 'neutral',
    icon: <PauseCircleIcon />,
    description: 'A resource is paused or suspended',
  },
  Missing: {
    tone: 'warn',
    icon: <RemoveCircleIcon />,
    description: 'A resource in Git does not exist in the cluster',
  },
  Unknown: {
    tone: 'neutral',
    icon: <HelpIcon />,
    description: 'Mooring could not assess health',
  },
};

const PHASE: Record<OperationPhase, ChipSpec> = {
  Running: {
    tone: 'busy',
    icon: <AutorenewIcon />,
    description: 'The operation is running',
  },
  Succeeded: {
    tone: 'good',
    icon: <CheckCircleIcon />,
    description: 'The operation succeeded',
  },
  Failed: {
    tone: 'bad',
    icon: <CancelIcon />,
    description: 'The operation failed',
  },
  Error: {
    tone: 'bad',
    icon: <CancelIcon />,
    description: 'The operation stopped with an error',
  },
};

function StatusChip(props: { label: string; word: string; spec: ChipSpec }) {
  const classes = useStyles();
  const { label, word, spec } = props;
  const icon = cloneElement(spec.icon, {
    className: classes.icon,
    'aria-hidden': true,
  });
  return (
    <Tooltip title={`${label}: ${spec.description}`}>
      <Chip
        size="small"
        variant="outlined"
        icon={icon}
        label={word}
        aria-label={`${label}: ${word}`}
        className={`${classes.chip} ${classes[spec.tone]}`}
      />
    </Tooltip>
  );
}

const fallback = (word: string): ChipSpec => ({
  tone: 'neutral',
  icon: <HelpIcon />,
  description: `Unrecognised status "${word}"`,
});

/** Sync status as an icon, a colour and the word (never colour alone). */
export function SyncStatusChip(props: { status: SyncStatus }) {
  return (
    <StatusChip
      label="Sync"
      word={props.status}
      spec={SYNC[props.status] ?? fallback(props.status)}
    />
  );
}

/** Health as an icon, a colour and the word. */
export function HealthStatusChip(props: { status: HealthStatus }) {
  return (
    <StatusChip
      label="Health"
      word={props.status}
      spec={HEALTH[props.status] ?? fallback(props.status)}
    />
  );
}

/** Operation phase as an icon, a colour and the word. */
export function PhaseChip(props: { phase: OperationPhase }) {
  return (
    <StatusChip
      label="Result"
      word={props.phase}
      spec={PHASE[props.phase] ?? fallback(props.phase)}
    />
  );
}
