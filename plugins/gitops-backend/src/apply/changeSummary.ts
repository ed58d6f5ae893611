import type { ResourceChange } from '@mooring/plugin-gitops-common';

/** "2 created, 1 configured, 7 unchanged" — the counts of a change set. */
export function changeSummary(changes: ResourceChange[]): string {
  const counts = new Map<string, number>();
  const hooks = new Map<string, number>();
  for (const change of changes) {
    const into = change.hook ? hooks : counts;
    into.set(change.action, (into.get(change.action) ?? 0) + 1);
  }
  const parts = [
    'created',
    'adopted',
    'configured',
    'replaced',
    'deleted',
    'kept',
    'unchanged',
    'failed',
  ]
    .filter(action => counts.get(action))
    .map(action =>
      action === 'kept'
        ? `${counts.get(action)} left in place`
        : `${counts.get(action)} ${action}`,
    );
  const hookParts = ['succeeded', 'failed']
    .filter(action => hooks.get(action))
    .map(action => `${hooks.get(action)} ${action}`);
  if (hookParts.length) parts.push(`hooks: ${hookParts.join(', ')}`);
  return parts.length ? parts.join(', ') : 'nothing to do';
}
