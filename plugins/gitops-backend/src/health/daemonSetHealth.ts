import {
  HealthAssessment,
  healthy,
  observedGenerationBehind,
  progressing,
} from './types';

export function daemonSetHealth(object: any): HealthAssessment {
  if (observedGenerationBehind(object) || !object.status) {
    return progressing('Waiting for the DaemonSet spec to be observed');
  }
  const desired = object.status.desiredNumberScheduled ?? 0;
  const updated = object.status.updatedNumberScheduled ?? 0;
  const available = object.status.numberAvailable ?? 0;
  if (object.spec?.updateStrategy?.type === 'OnDelete') {
    return healthy(
      `${available} of ${desired} pods available (update strategy OnDelete)`,
    );
  }
  if (updated < desired) {
    return progressing(
      `Waiting for daemon set rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  if (available < desired) {
    return progressing(
      `Waiting for daemon set rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return healthy(`${available} of ${desired} pods available`);
}
