import {
  HealthAssessment,
  condition,
  degraded,
  healthy,
  progressing,
} from './types';

export function hpaHealth(object: any): HealthAssessment {
  const able = condition(object, 'AbleToScale');
  if (able?.status === 'False') {
    return degraded(
      `Cannot scale: ${able.message ?? able.reason ?? ''}`.trim(),
    );
  }
  const active = condition(object, 'ScalingActive');
  if (active?.status === 'False' && active.reason !== 'ScalingDisabled') {
    return degraded(
      `Scaling is not active: ${active.message ?? active.reason ?? ''}`.trim(),
    );
  }
  if (!object.status || (!able && !active)) {
    return progressing('Waiting for the autoscaler to observe its target');
  }
  return healthy(
    `${object.status.currentReplicas ?? 0} replicas (wants ${
      object.status.desiredReplicas ?? 0
    })`,
  );
}
