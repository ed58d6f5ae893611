import type { HealthAssessment } from '@mooring/plugin-gitops-node';

export type { HealthAssessment };

export const healthy = (message = ''): HealthAssessment => ({
  status: 'Healthy',
  message,
});
export const progressing = (message: string): HealthAssessment => ({
  status: 'Progressing',
  message,
});
export const degraded = (message: string): HealthAssessment => ({
  status: 'Degraded',
  message,
});
export const suspended = (message: string): HealthAssessment => ({
  status: 'Suspended',
  message,
});

/** A condition of `status.conditions` by type. */
export function condition(
  object: any,
  type: string,
): { status?: string; reason?: string; message?: string } | undefined {
  const conditions = object?.status?.conditions;
  return Array.isArray(conditions)
    ? conditions.find((c: any) => c?.type === type)
    : undefined;
}

/** True when the controller has not yet seen the latest spec. */
export function observedGenerationBehind(object: any): boolean {
  const generation = object?.metadata?.generation;
  const observed = object?.status?.observedGeneration;
  return (
    typeof generation === 'number' &&
    typeof observed === 'number' &&
    observed < generation
  );
}
