import { parseEntityRef } from '@backstage/catalog-model';
import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import type { Application } from '@mooring/plugin-gitops-common';
import type { ChangeEpisode, ChangeState } from './changeEpisodes';

/** An application as people name it: the entity, and its target when it has several. */
export function applicationLabel(app: Application): string {
  return app.target === 'default'
    ? app.entityRef
    : `${app.entityRef} (${app.target})`;
}

/** The entity's page. */
export function entityLink(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(
    kind.toLocaleLowerCase('en-US'),
  )}/${encodeURIComponent(name)}`;
}

/** The entity's Deployments tab (the route of the gitops frontend plugin). */
export function deploymentsLink(entityRef: string): string {
  return `${entityLink(entityRef)}/deployments`;
}

/** One line of untrusted text (a commit message), kept short. */
function oneLine(text: string | undefined, max = 120): string {
  const line = (text ?? '').split('\n')[0].trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The failed objects of a run, as notifications list them. */
export function failedChanges(changes: ChangeEpisode['changes']): string[] {
  return changes
    .filter(c => c.action === 'failed')
    .slice(0, 5)
    .map(
      c =>
        `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}${
          c.message ? `: ${c.message}` : ''
        }`,
    );
}

/**
 * The notification of one change in its latest state. Every state of an
 * episode shares one scope, so the notifications backend updates the
 * recipient's notification in place (and marks it unread again) rather than
 * adding one: the title always says where the change is now.
 */
export function changeNotification(
  app: Application,
  episode: ChangeEpisode,
  state: ChangeState,
): NotificationSendOptions['payload'] {
  const short = episode.sha ? episode.sha.slice(0, 7) : 'the requested commit';
  const subject = episode.rollback
    ? `Rollback of ${applicationLabel(app)} to ${short}`
    : `Change ${short} to ${applicationLabel(app)}`;
  const on = app.destination.cluster;
  const titles: Record<ChangeState, string> = {
    live: `${subject} is live on ${on}`,
    failed: `${subject} failed on ${on}`,
    degraded: `${subject} is Degraded on ${on}`,
    recovered: `${subject} recovered on ${on}`,
  };
  const details: Record<ChangeState, string[]> = {
    live: ['Synced and Healthy.'],
    failed: [
      `The sync failed: ${episode.runMessage || episode.phase || 'Failed'}`,
      ...failedChanges(episode.changes),
    ],
    degraded: [
      `The application is Degraded${
        app.status.message ? `: ${app.status.message}` : '.'
      }`,
    ],
    recovered: ['Synced and Healthy again.'],
  };
  const commit = episode.commit;
  const about = [
    commit?.message ? `"${oneLine(commit.message)}"` : '',
    commit?.author ? `by ${oneLine(commit.author)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    title: titles[state],
    description: [
      ...details[state],
      ...(about ? [`Commit ${about}.`] : []),
      `${episode.rollback ? 'Rolled back' : 'Synced'} by ${
        episode.initiatedBy
      }.`,
    ].join('\n'),
    link: deploymentsLink(app.entityRef),
    severity: state === 'failed' || state === 'degraded' ? 'high' : 'normal',
    topic: 'gitops',
    scope: `gitops:${app.id}:change:${episode.sha || episode.runId}`,
  };
}
