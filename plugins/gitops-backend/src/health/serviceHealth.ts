import { HealthAssessment, healthy, progressing } from './types';

/** Only LoadBalancer Services wait for something: an address. */
export function serviceHealth(object: any): HealthAssessment {
  if (object.spec?.type !== 'LoadBalancer') return healthy();
  const ingress = object.status?.loadBalancer?.ingress;
  return Array.isArray(ingress) && ingress.length > 0
    ? healthy(
        `Load balancer at ${ingress
          .map((i: any) => i.ip ?? i.hostname)
          .join(', ')}`,
      )
    : progressing('Waiting for the load balancer to get an address');
}
