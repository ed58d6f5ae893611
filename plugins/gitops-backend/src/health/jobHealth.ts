import {
  HealthAssessment,
  condition,
  degraded,
  healthy,
  progressing,
  suspended,
} from './types';

export function jobHealth(object: any): HealthAssessment {
  const failed = condition(object, 'Failed');
  if (failed?.status === 'True') {
    return degraded(
      `Job failed: ${failed.message ?? failed.reason ?? 'no reason given'}`,
    );
  }
  const complete = condition(object, 'Complete');
  if (complete?.status === 'True') {
    return healthy(
      `Job completed (${object.status?.succeeded ?? 0} succeeded)`,
    );
  }
  if (object.spec?.suspend) return suspended('Job is suspended');
  return progressing(
    `Job is running: ${object.status?.active ?? 0} active, ${
      object.status?.succeeded ?? 0
    } succeeded`,
  );
}
