import {
  HealthAssessment,
  condition,
  degraded,
  healthy,
  progressing,
} from './types';

const FAILING_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'InvalidImageName',
  'CreateContainerError',
  'RunContainerError',
]);

export function podHealth(object: any): HealthAssessment {
  const status = object.status ?? {};
  for (const container of [
    ...(status.initContainerStatuses ?? []),
    ...(status.containerStatuses ?? []),
  ]) {
    const waiting = container?.state?.waiting;
    if (waiting && FAILING_REASONS.has(waiting.reason)) {
      return degraded(
        `Container ${container.name} is ${waiting.reason}${
          waiting.message ? `: ${waiting.message}` : ''
        }`,
      );
    }
  }
  switch (status.phase) {
    case 'Succeeded':
      return healthy(status.message ?? 'Pod completed');
    case 'Failed':
      return degraded(
        status.message ??
          `Pod failed${status.reason ? `: ${status.reason}` : ''}`,
      );
    case 'Running': {
      if (
        object.spec?.restartPolicy &&
        object.spec.restartPolicy !== 'Always'
      ) {
        return progressing('Pod is running');
      }
      const ready = condition(object, 'Ready');
      return ready?.status === 'True'
        ? healthy('Pod is running and ready')
        : progressing(
            `Pod is running but not ready${
              ready?.message ? `: ${ready.message}` : ''
            }`,
          );
    }
    default:
      return progressing(
        `Pod is ${status.phase ?? 'Pending'}${
          status.message ? `: ${status.message}` : ''
        }`,
      );
  }
}
