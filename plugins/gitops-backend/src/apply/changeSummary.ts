import type { ResourceChange } from '@mooring/plugin-gitops-common';

/** "2 created, 1 configured, 7 unchanged" — the counts of a change set. */
export function changeSummary(changes: ResourceChange[]): string {
  const counts = new Map<string, number>();
  for (const change of changes) {
    counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
  }
  const parts = [
    'created',
    'adopted',
    'configured',
    'deleted',
    'unchanged',
    'failed',
  ]
    .filter(action => counts.get(action))
    .map(action => `${counts.get(action)} ${action}`);
  return parts.length ? parts.join(', ') : 'nothing to do';
}
