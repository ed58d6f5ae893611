import type {
  ApplicationResource,
  HealthStatus,
} from '@mooring/plugin-gitops-common';

/**
 * Why an application is not healthy, in the words of its first resource that
 * is as unhealthy as the application: `Deployment billing/worker is Degraded: …`.
 * Empty for a healthy application.
 */
export function healthSummary(
  resources: ApplicationResource[],
  health: HealthStatus,
): string {
  if (health === 'Healthy') return '';
  const worst = resources.find(r => r.health === health);
  if (!worst) return '';
  const name = worst.namespace
    ? `${worst.namespace}/${worst.name}`
    : worst.name;
  return `${worst.kind} ${name} is ${health}${
    worst.healthMessage ? `: ${worst.healthMessage}` : ''
  }`;
}
