import { HealthAssessment, healthy, suspended } from './types';

export function cronJobHealth(object: any): HealthAssessment {
  if (object.spec?.suspend) return suspended('CronJob is suspended');
  const last = object.status?.lastScheduleTime;
  return healthy(
    last
      ? `Last scheduled at ${last}`
      : `Scheduled "${object.spec?.schedule ?? ''}", not run yet`,
  );
}
