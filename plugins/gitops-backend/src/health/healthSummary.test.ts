import type { ApplicationResource } from '@mooring/plugin-gitops-common';
import { healthSummary } from './healthSummary';

function resource(
  kind: string,
  name: string,
  health: ApplicationResource['health'],
  healthMessage = '',
): ApplicationResource {
  return {
    group: '',
    version: 'v1',
    kind,
    namespace: 'billing',
    name,
    sync: 'Synced',
    health,
    healthMessage,
  };
}

describe('healthSummary', () => {
  const resources = [
    resource('ConfigMap', 'settings', 'Healthy'),
    resource(
      'Deployment',
      'worker',
      'Degraded',
      'Deployment exceeded its progress deadline',
    ),
    resource('Service', 'worker', 'Progressing'),
  ];

  it('names the resource that makes the application unhealthy, and why', () => {
    expect(healthSummary(resources, 'Degraded')).toBe(
      'Deployment billing/worker is Degraded: Deployment exceeded its progress deadline',
    );
    expect(healthSummary(resources, 'Progressing')).toBe(
      'Service billing/worker is Progressing',
    );
  });

  it('says nothing for a healthy application', () => {
    expect(healthSummary(resources, 'Healthy')).toBe('');
  });
});
