import {
  HealthAssessment,
  condition,
  degraded,
  healthy,
  observedGenerationBehind,
  progressing,
  suspended,
} from './types';

/** Rollout progress of a Deployment, in the words of `kubectl rollout status`. */
export function deploymentHealth(object: any): HealthAssessment {
  if (object.spec?.paused) return suspended('Deployment is paused');
  if (observedGenerationBehind(object) || !object.status) {
    return progressing('Waiting for the rollout to be observed');
  }
  const failed = condition(object, 'Progressing');
  if (failed?.reason === 'ProgressDeadlineExceeded') {
    return degraded(
      `Deployment exceeded its progress deadline${
        failed.message ? `: ${failed.message}` : ''
      }`,
    );
  }
  const wanted = object.spec?.replicas ?? 1;
  const updated = object.status.updatedReplicas ?? 0;
  const total = object.status.replicas ?? 0;
  const available = object.status.availableReplicas ?? 0;
  if (updated < wanted) {
    return progressing(
      `Waiting for rollout to finish: ${updated} of ${wanted} updated replicas are available...`,
    );
  }
  if (total > updated) {
    return progressing(
      `Waiting for rollout to finish: ${
        total - updated
      } old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return progressing(
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return healthy(`${available} of ${wanted} replicas available`);
}
