import type { Application } from '@mooring/plugin-gitops-common';

export type FleetColumn =
  | 'component'
  | 'target'
  | 'owner'
  | 'cluster'
  | 'namespace'
  | 'sync'
  | 'health'
  | 'reconciledAt';

export interface FleetSort {
  column: FleetColumn;
  direction: 'asc' | 'desc';
}

/** Worst first when sorting ascending by health or sync: what needs a look comes first. */
const HEALTH_ORDER = [
  'Degraded',
  'Missing',
  'Progressing',
  'Suspended',
  'Unknown',
  'Healthy',
];
const SYNC_ORDER = ['OutOfSync', 'Unknown', 'Synced'];

function rank(order: string[], value: string) {
  const index = order.indexOf(value);
  return index === -1 ? order.length : index;
}

function compare(a: Application, b: Application, column: FleetColumn): number {
  switch (column) {
    case 'health':
      return (
        rank(HEALTH_ORDER, a.status.health) -
        rank(HEALTH_ORDER, b.status.health)
      );
    case 'sync':
      return rank(SYNC_ORDER, a.status.sync) - rank(SYNC_ORDER, b.status.sync);
    case 'reconciledAt':
      return (
        (Date.parse(a.status.reconciledAt ?? '') || 0) -
        (Date.parse(b.status.reconciledAt ?? '') || 0)
      );
    case 'component':
      return a.entityRef.localeCompare(b.entityRef);
    case 'target':
      return a.target.localeCompare(b.target);
    case 'owner':
      return (a.owner ?? '').localeCompare(b.owner ?? '');
    case 'cluster':
      return a.destination.cluster.localeCompare(b.destination.cluster);
    case 'namespace':
      return a.destination.namespace.localeCompare(b.destination.namespace);
    default:
      return 0;
  }
}

/** A sorted copy; ties keep the server's order (stable sort). */
export function sortApplications(
  apps: Application[],
  sort: FleetSort,
): Application[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return [...apps].sort((a, b) => sign * compare(a, b, sort.column));
}
