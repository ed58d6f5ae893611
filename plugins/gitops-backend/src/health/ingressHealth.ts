import { HealthAssessment, healthy, progressing } from './types';

export function ingressHealth(object: any): HealthAssessment {
  const ingress = object.status?.loadBalancer?.ingress;
  return Array.isArray(ingress) && ingress.length > 0
    ? healthy(
        `Ingress at ${ingress.map((i: any) => i.ip ?? i.hostname).join(', ')}`,
      )
    : progressing('Waiting for the ingress controller to assign an address');
}
