import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

/** Who or what started a sync run, in words. */
export interface Initiator {
  /** Short text for a table cell. */
  label: string;
  /** The longer explanation for a tooltip. */
  description: string;
  type: 'user' | 'auto' | 'webhook' | 'self-heal' | 'other';
  /** The user's entity ref, in full, when a person started it. */
  userRef?: string;
}

export function describeInitiator(initiatedBy: string): Initiator {
  switch (initiatedBy) {
    case 'auto':
      return {
        label: 'Auto-sync',
        description:
          'Applied automatically after a new commit (mooring.dev/sync: auto)',
        type: 'auto',
      };
    case 'webhook':
      return {
        label: 'Webhook',
        description: 'Started by a Git push webhook',
        type: 'webhook',
      };
    case 'self-heal':
      return {
        label: 'Self-heal',
        description: 'Reverted live drift (mooring.dev/self-heal: true)',
        type: 'self-heal',
      };
    default:
      break;
  }
  try {
    const ref = parseEntityRef(initiatedBy, { defaultKind: 'user' });
    if (ref.kind.toLowerCase() === 'user') {
      return {
        label: ref.name,
        description: `Started by ${initiatedBy}`,
        type: 'user',
        userRef: stringifyEntityRef(ref),
      };
    }
  } catch {
    // Not an entity ref: show it as it is.
  }
  return {
    label: initiatedBy || 'unknown',
    description: `Started by ${initiatedBy || 'an unknown initiator'}`,
    type: 'other',
  };
}
