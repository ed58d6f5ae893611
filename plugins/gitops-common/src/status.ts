/** Status words, the same as Argo CD's so users feel at home. */

/** @public */
export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

/** @public */
export type HealthStatus =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown';

/** @public */
export type OperationPhase = 'Running' | 'Succeeded' | 'Failed' | 'Error';

/**
 * Health from best to worst: an application is as healthy as its worst resource.
 * @public
 */
export const HEALTH_ORDER: readonly HealthStatus[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];

/** @public True when `a` is worse than `b`. */
export function isWorseHealth(a: HealthStatus, b: HealthStatus): boolean {
  return HEALTH_ORDER.indexOf(a) > HEALTH_ORDER.indexOf(b);
}

/** @public The worst of several health statuses; `Healthy` for none. */
export function worstHealth(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = 'Healthy';
  for (const s of statuses) {
    if (isWorseHealth(s, worst)) worst = s;
  }
  return worst;
}
