import { HealthAssessment, degraded, healthy, progressing } from './types';

export function pvcHealth(object: any): HealthAssessment {
  switch (object.status?.phase) {
    case 'Bound':
      return healthy(`Bound to volume ${object.spec?.volumeName ?? ''}`.trim());
    case 'Lost':
      return degraded('The claim lost its volume');
    default:
      return progressing('Waiting for the claim to be bound to a volume');
  }
}
