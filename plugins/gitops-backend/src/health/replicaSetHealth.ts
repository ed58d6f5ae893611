import {
  HealthAssessment,
  condition,
  degraded,
  healthy,
  observedGenerationBehind,
  progressing,
} from './types';

export function replicaSetHealth(object: any): HealthAssessment {
  if (observedGenerationBehind(object) || !object.status) {
    return progressing('Waiting for the ReplicaSet spec to be observed');
  }
  const failure = condition(object, 'ReplicaFailure');
  if (failure?.status === 'True') {
    return degraded(
      `ReplicaSet cannot create pods: ${
        failure.message ?? failure.reason ?? 'unknown reason'
      }`,
    );
  }
  const wanted = object.spec?.replicas ?? 1;
  const available = object.status.availableReplicas ?? 0;
  if (available < wanted) {
    return progressing(
      `Waiting for ${wanted - available} of ${wanted} pods to become available`,
    );
  }
  return healthy(`${available} of ${wanted} pods available`);
}
