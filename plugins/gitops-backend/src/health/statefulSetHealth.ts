import {
  HealthAssessment,
  healthy,
  observedGenerationBehind,
  progressing,
} from './types';

export function statefulSetHealth(object: any): HealthAssessment {
  if (observedGenerationBehind(object) || !object.status) {
    return progressing('Waiting for the StatefulSet spec to be observed');
  }
  const wanted = object.spec?.replicas ?? 1;
  const ready = object.status.readyReplicas ?? 0;
  if (ready < wanted) {
    return progressing(
      `Waiting for ${wanted - ready} pods to be ready (${ready} of ${wanted})`,
    );
  }
  if (object.spec?.updateStrategy?.type === 'OnDelete') {
    return healthy(
      `${ready} of ${wanted} pods ready (update strategy OnDelete)`,
    );
  }
  const partition = object.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const updated = object.status.updatedReplicas ?? 0;
  if (updated < wanted - partition) {
    return progressing(
      `Waiting for partitioned roll out to finish: ${updated} out of ${
        wanted - partition
      } new pods have been updated...`,
    );
  }
  if (
    partition === 0 &&
    object.status.updateRevision &&
    object.status.currentRevision !== object.status.updateRevision
  ) {
    return progressing(
      `Waiting for rolling update to complete: ${updated} pods at revision ${object.status.updateRevision}...`,
    );
  }
  return healthy(`${ready} of ${wanted} pods ready`);
}
