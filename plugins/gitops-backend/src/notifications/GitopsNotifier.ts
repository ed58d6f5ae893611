import type { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { stringifyError } from '@backstage/errors';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import type { EngineEvent, GitopsEngine } from '../engine/types';

/** Open trouble of one application; a notification goes out when one opens. */
interface Episodes {
  failing: boolean;
  drifted: boolean;
}

/**
 * Tells an application's owners when a sync fails or live drift appears,
 * once per episode: a failing application that keeps failing, or a drift
 * that stays, does not notify again until it has recovered in between.
 */
export class GitopsNotifier {
  private readonly episodes = new Map<string, Episodes>();

  constructor(
    private readonly deps: {
      notifications: NotificationService;
      owners: (entityRef: string) => string[];
      logger: LoggerService;
    },
  ) {}

  /** Listens to the engine; returns the unsubscribe function. */
  attach(engine: Pick<GitopsEngine, 'subscribe'>): () => void {
    return engine.subscribe(event => {
      this.handle(event).catch(error =>
        this.deps.logger.warn(
          `Could not notify the owners of an application: ${stringifyError(
            error,
          )}`,
        ),
      );
    });
  }

  async handle(event: EngineEvent): Promise<void> {
    const app = event.application;
    const episodes = this.episodes.get(app.id) ?? {
      failing: false,
      drifted: false,
    };
    this.episodes.set(app.id, episodes);

    switch (event.type) {
      case 'status':
        if (app.status.operation?.phase === 'Succeeded') {
          episodes.failing = false;
        }
        if (app.status.sync === 'Synced') {
          episodes.drifted = false;
        }
        return;
      case 'driftResolved':
        episodes.drifted = false;
        return;
      case 'syncFailed':
        if (episodes.failing) return;
        episodes.failing = true;
        await this.send(app, syncFailedPayload(app, event.run));
        return;
      case 'driftDetected':
        if (episodes.drifted) return;
        episodes.drifted = true;
        await this.send(app, driftPayload(app));
        return;
      default:
        return;
    }
  }

  private async send(
    app: Application,
    payload: { title: string; description: string; kind: string },
  ) {
    const owners = this.deps.owners(app.entityRef);
    if (owners.length === 0) {
      this.deps.logger.warn(
        `${payload.title}, but ${app.entityRef} has no owner to notify`,
      );
      return;
    }
    await this.deps.notifications.send({
      recipients: { type: 'entity', entityRef: owners },
      payload: {
        title: payload.title,
        description: payload.description,
        link: entityLink(app.entityRef),
        severity: 'high',
        topic: 'gitops',
        // One notification per application and kind of trouble, updated in
        // place rather than piled up.
        scope: `gitops:${app.id}:${payload.kind}`,
      },
    });
  }
}

function label(app: Application): string {
  return app.target === 'default'
    ? app.entityRef
    : `${app.entityRef} (${app.target})`;
}

function syncFailedPayload(app: Application, run: SyncRun) {
  const failed = run.changes.filter(c => c.action === 'failed');
  const details = failed
    .slice(0, 5)
    .map(
      c =>
        `${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}${
          c.message ? `: ${c.message}` : ''
        }`,
    );
  return {
    kind: 'sync-failed',
    title: `Sync of ${label(app)} to ${app.destination.cluster} failed`,
    description: [
      `Revision ${run.revision.slice(0, 12) || '(unknown)'}, started by ${
        run.initiatedBy
      }: ${run.message || run.phase}`,
      ...details,
    ].join('\n'),
  };
}

function driftPayload(app: Application) {
  return {
    kind: 'drift',
    title: `${label(app)} drifted from Git on ${app.destination.cluster}`,
    description: `The live objects no longer match Git${
      app.policy.selfHeal
        ? '; self-heal will revert them'
        : '; sync to revert them, or change Git to keep them'
    }.${app.status.message ? ` ${app.status.message}` : ''}`,
  };
}

function entityLink(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(
    kind.toLocaleLowerCase('en-US'),
  )}/${encodeURIComponent(name)}`;
}
