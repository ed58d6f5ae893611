import type { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { stringifyError } from '@backstage/errors';
import type {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import type { EngineEvent, GitopsEngine, SyncOptions } from '../engine/types';
import {
  advance,
  ChangeEpisode,
  continuesEpisode,
  newEpisode,
  supersededBy,
} from './changeEpisodes';
import {
  applicationLabel,
  changeNotification,
  entityLink,
  failedChanges,
} from './changeNotification';
import { authorEmail } from './CatalogUsersByEmail';

/** Open trouble of one application; a notification goes out when one opens. */
interface Episodes {
  failing: boolean;
  drifted: boolean;
}

/** Finds the catalog User of a Git author's email address. */
export interface UsersByEmail {
  find(email: string): Promise<string | undefined>;
}

/** A change being followed, with the people to tell and the sends so far. */
interface FollowedChange {
  episode: ChangeEpisode;
  people: Promise<string[]>;
  /** Sends go out one after the other, so the last state is the one kept. */
  sending: Promise<void>;
}

/** The user entity ref `initiatedBy` names, when a person started the sync. */
export function initiatingUser(initiatedBy: string): string | undefined {
  if (['auto', 'webhook', 'self-heal'].includes(initiatedBy)) return undefined;
  try {
    const ref = parseEntityRef(initiatedBy);
    return ref.kind.toLocaleLowerCase('en-US') === 'user'
      ? stringifyEntityRef(ref)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Tells people what became of an application and of their changes to it.
 *
 * The owners hear when a sync fails or live drift appears, once per episode:
 * a failing application that keeps failing, or a drift that stays, does not
 * notify again until it has recovered in between.
 *
 * The people behind a sync (the commit's author, when exactly one catalog
 * User has their email, and the person who pressed Sync or Rollback) hear
 * when their change is live, failed, became Degraded and recovered: one
 * notification per change, updated in place as its state moves. Only the
 * replica that ran the sync hears `syncStarted` and `syncFinished`, so only
 * it follows the change; the others see its status and stay silent.
 */
export class GitopsNotifier {
  private readonly episodes = new Map<string, Episodes>();
  private readonly changes = new Map<string, FollowedChange>();

  constructor(
    private readonly deps: {
      notifications: NotificationService;
      owners: (entityRef: string) => string[];
      logger: LoggerService;
      /** Without it, commit authors are not notified (initiators still are). */
      users?: UsersByEmail;
    },
  ) {}

  /** Listens to the engine; returns the unsubscribe function. */
  attach(engine: Pick<GitopsEngine, 'subscribe'>): () => void {
    return engine.subscribe(event => {
      this.handle(event).catch(error =>
        this.deps.logger.warn(
          `Could not notify about application ${
            event.application.id
          }: ${stringifyError(error)}`,
        ),
      );
    });
  }

  /**
   * Takes one engine event in; resolves once the notifications it causes
   * are sent. The state moves synchronously, in the order events come.
   */
  async handle(event: EngineEvent): Promise<void> {
    const change = this.followChange(event);
    await Promise.all([this.notifyOwners(event), change]);
  }

  // ------------------------------------------------------------ owners

  private async notifyOwners(event: EngineEvent): Promise<void> {
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
        await this.sendToOwners(app, syncFailedPayload(app, event.run));
        return;
      case 'driftDetected':
        if (episodes.drifted) return;
        episodes.drifted = true;
        await this.sendToOwners(app, driftPayload(app));
        return;
      default:
        return;
    }
  }

  private async sendToOwners(
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

  // ------------------------------------------------- the people of a change

  /** Moves the change the event is about; returns its pending sends. */
  private followChange(event: EngineEvent): Promise<void> {
    const app = event.application;
    switch (event.type) {
      case 'syncStarted':
        if (tracked(event.run, event.options)) this.started(app, event);
        return Promise.resolve();
      case 'syncFinished': {
        if (!tracked(event.run, event.options)) return Promise.resolve();
        let change = this.changes.get(app.id);
        if (change?.episode.runId !== event.run.id) {
          // It failed before resolving its commit: nothing started it here.
          change = this.started(app, event);
        }
        change.episode.phase = event.run.phase;
        change.episode.runMessage = event.run.message;
        change.episode.changes = event.run.changes;
        return this.advance(app, change);
      }
      case 'status': {
        const change = this.changes.get(app.id);
        if (!change) return Promise.resolve();
        if (supersededBy(change.episode, app)) {
          this.changes.delete(app.id);
          return Promise.resolve();
        }
        return this.advance(app, change);
      }
      case 'removedApplicationPruned':
        this.changes.delete(app.id);
        return Promise.resolve();
      default:
        return Promise.resolve();
    }
  }

  /** A sync of a commit starts: the same change goes on, or a new one begins. */
  private started(
    app: Application,
    event: { run: SyncRun; options: SyncOptions },
  ): FollowedChange {
    const { run, options } = event;
    const initiator = initiatingUser(options.initiatedBy);
    const current = this.changes.get(app.id);
    if (
      continuesEpisode(current?.episode, run.commit?.sha ?? '', !!initiator)
    ) {
      current!.episode.runId = run.id;
      current!.episode.phase = undefined;
      return current!;
    }
    const change: FollowedChange = {
      episode: newEpisode(app.id, run, options),
      people: this.people(app, run, initiator),
      sending: Promise.resolve(),
    };
    this.changes.set(app.id, change);
    return change;
  }

  /** The commit's author (as a catalog User) and the person who started the sync. */
  private async people(
    app: Application,
    run: SyncRun,
    initiator: string | undefined,
  ): Promise<string[]> {
    const email = authorEmail(run.commit?.author);
    const author =
      email && this.deps.users ? await this.deps.users.find(email) : undefined;
    if (email && !author) {
      this.deps.logger.debug(
        `No catalog user to notify for the author of ${run.commit.sha} of ${app.id}`,
      );
    }
    return [...new Set([author, initiator].filter((r): r is string => !!r))];
  }

  private advance(app: Application, change: FollowedChange): Promise<void> {
    const state = advance(change.episode, app);
    if (!state) return change.sending;
    const payload = changeNotification(app, change.episode, state);
    change.sending = change.sending.then(() =>
      this.sendToPeople(app, change, payload),
    );
    return change.sending;
  }

  private async sendToPeople(
    app: Application,
    change: FollowedChange,
    payload: NotificationSendOptions['payload'],
  ) {
    try {
      const people = await change.people;
      if (people.length === 0) return;
      await this.deps.notifications.send({
        recipients: { type: 'entity', entityRef: people },
        payload,
      });
    } catch (error) {
      // The next state still goes out.
      this.deps.logger.warn(
        `Could not tell the people behind a change of ${app.id} that "${
          payload.title
        }": ${stringifyError(error)}`,
      );
    }
  }
}

/**
 * A sync whose people hear of it. A dry run changes nothing; a selective
 * sync applies part of a commit, so it never makes a change live.
 */
function tracked(run: SyncRun, options: SyncOptions): boolean {
  return !run.dryRun && !options.dryRun && !options.resources?.length;
}

function syncFailedPayload(app: Application, run: SyncRun) {
  return {
    kind: 'sync-failed',
    title: `Sync of ${applicationLabel(app)} to ${
      app.destination.cluster
    } failed`,
    description: [
      `Revision ${run.revision.slice(0, 12) || '(unknown)'}, started by ${
        run.initiatedBy
      }: ${run.message || run.phase}`,
      ...failedChanges(run.changes),
    ].join('\n'),
  };
}

function driftPayload(app: Application) {
  return {
    kind: 'drift',
    title: `${applicationLabel(app)} drifted from Git on ${
      app.destination.cluster
    }`,
    description: `The live objects no longer match Git${
      app.policy.selfHeal
        ? '; self-heal will revert them'
        : '; sync to revert them, or change Git to keep them'
    }.${app.status.message ? ` ${app.status.message}` : ''}`,
  };
}
