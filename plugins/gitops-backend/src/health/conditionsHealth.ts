import {
  HealthAssessment,
  condition,
  degraded,
  healthy,
  progressing,
} from './types';

/**
 * Any object reporting a `Ready` or `Available` condition (most operators'
 * resources do): healthy when true, degraded when false with a reason that
 * says so, progressing otherwise. Undefined when it reports neither.
 */
export function conditionsHealth(object: any): HealthAssessment | undefined {
  const found = condition(object, 'Ready') ?? condition(object, 'Available');
  if (!found) return undefined;
  const detail = found.message ?? found.reason ?? '';
  if (found.status === 'True') return healthy(detail);
  if (
    found.status === 'False' &&
    !/progress|pending|reconcil/i.test(found.reason ?? '')
  ) {
    return degraded(detail || 'Not ready');
  }
  return progressing(detail || 'Not ready yet');
}
