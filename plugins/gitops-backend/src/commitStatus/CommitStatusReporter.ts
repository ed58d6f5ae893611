import type { LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { stringifyError } from '@backstage/errors';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import type { EngineEvent, GitopsEngine, SyncOptions } from '../engine/types';
import {
  CommitStatusSender,
  CommitStatusSenderOptions,
} from './CommitStatusSender';
import type { CommitStatusSettings } from './commitStatusConfig';
import {
  CommitStatus,
  StatusEndpoint,
  resolveStatusEndpoint,
} from './statusEndpoint';

/** The sync of one application whose commit status this replica reports. */
interface Deployment {
  applicationId: string;
  runId: string;
  sha: string;
  context: string;
  targetUrl?: string;
  endpoint: Promise<StatusEndpoint | undefined>;
  /** The sync succeeded; the status waits for the application to be Healthy. */
  waitingForHealth: boolean;
  /**
   * The application's synced revision when the sync succeeded (the commit,
   * or the one before it after a selective sync): another value later means
   * a sync this replica did not run moved the application on.
   */
  syncedRevision?: string;
  selective: boolean;
  rollback: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** The application as last seen, for the message when the wait gives up. */
  latest?: Application;
}

export interface CommitStatusReporterOptions {
  settings: CommitStatusSettings;
  integrations: ScmIntegrations;
  logger: LoggerService;
  /** Tuning of the posting queue (tests shorten the retry delays). */
  sender?: Omit<CommitStatusSenderOptions, 'logger'>;
}

/**
 * Reports every sync run to the commit it deploys, as a commit status of
 * the repository's Git host (GitHub, GitLab, Gitea), so a pull request or
 * commit page shows where it is deployed:
 *
 * - the sync starts applying the commit: `pending`, "Deploying to <cluster>/<namespace>";
 * - the sync ends Failed or Error: `failure`, with the run's message;
 * - the sync succeeds: still `pending` until the application is Healthy
 *   (`success`) or Degraded (`failure`), or `failure` once
 *   `gitops.commitStatus.healthTimeout` passes without either, as
 *   `kubectl rollout status` gives up at a deadline;
 * - a newer sync of another commit starts first: the older commit's status
 *   says it was superseded.
 *
 * Dry runs never report. Only the replica that runs a sync reports it (the
 * engine emits `syncStarted` there). Posting never affects the sync.
 */
export class CommitStatusReporter {
  private readonly deployments = new Map<string, Deployment>();
  private readonly sender: CommitStatusSender;
  private readonly githubCredentials: DefaultGithubCredentialsProvider;
  /** Repositories already logged as having no status endpoint. */
  private readonly skipped = new Set<string>();
  /** Reports whose endpoint is still being resolved. */
  private readonly resolving = new Set<Promise<void>>();
  private unsubscribe?: () => void;

  constructor(private readonly options: CommitStatusReporterOptions) {
    this.sender = new CommitStatusSender({
      ...options.sender,
      logger: options.logger,
    });
    this.githubCredentials = DefaultGithubCredentialsProvider.fromIntegrations(
      options.integrations,
    );
  }

  /** Listens to the engine until `stop`. */
  start(engine: Pick<GitopsEngine, 'subscribe'>): void {
    this.unsubscribe = engine.subscribe(event => {
      try {
        this.handle(event);
      } catch (error) {
        this.options.logger.warn(
          `Could not report a commit status: ${stringifyError(error)}`,
        );
      }
    });
  }

  /** Stops listening, forgets the waits and drops what was not posted yet. */
  stop(): void {
    this.unsubscribe?.();
    for (const deployment of this.deployments.values()) {
      clearTimeout(deployment.timer);
    }
    this.deployments.clear();
    this.sender.stop();
  }

  /** Resolves once every status reported so far is posted (or given up). */
  async idle(): Promise<void> {
    await Promise.all(this.resolving);
    await this.sender.idle();
  }

  private handle(event: EngineEvent): void {
    switch (event.type) {
      case 'syncStarted':
        this.started(event.application, event.run, event.options);
        return;
      case 'syncFinished':
        this.finished(event.application, event.run);
        return;
      case 'status': {
        const deployment = this.deployments.get(event.application.id);
        if (!deployment?.waitingForHealth) return;
        const now = event.application.status.syncedRevision;
        if (now && now !== deployment.syncedRevision) {
          // Synced by another replica (read from the store): whatever
          // health follows is that commit's, not this one's.
          this.settle(event.application, deployment, {
            state: 'superseded',
            description: `Superseded on ${
              event.application.destination.cluster
            } by ${now.slice(0, 12)} before it became Healthy`,
          });
          return;
        }
        this.judgeHealth(event.application, deployment);
        return;
      }
      default:
        return;
    }
  }

  private started(app: Application, run: SyncRun, options: SyncOptions) {
    const sha = run.commit.sha;
    if (options.dryRun || run.dryRun || !sha) return;
    const { cluster, namespace } = app.destination;
    if (!this.options.settings.enabledFor({ cluster, target: app.target })) {
      return;
    }
    const previous = this.deployments.get(app.id);
    const context = contextOf(app);
    const deployment: Deployment = {
      applicationId: app.id,
      runId: run.id,
      sha,
      context,
      targetUrl: this.deploymentsTab(app),
      endpoint:
        previous?.sha === sha
          ? previous.endpoint
          : this.endpointFor(app.source.repoUrl),
      waitingForHealth: false,
      selective: Boolean(options.resources?.length),
      rollback: Boolean(options.rollback),
    };
    this.deployments.set(app.id, deployment);
    if (previous) {
      clearTimeout(previous.timer);
      if (previous.sha !== sha) {
        this.report(previous, {
          state: 'superseded',
          description: `Superseded on ${cluster} by ${sha.slice(
            0,
            12,
          )} before it became Healthy`,
        });
      } else {
        // The same commit's status is pending already: posting pending
        // again would be refused by GitLab (running to running).
        return;
      }
    }
    this.report(deployment, {
      state: 'pending',
      description: `${
        deployment.rollback ? 'Rolling back' : 'Deploying'
      } to ${cluster}/${namespace}`,
    });
  }

  private finished(app: Application, run: SyncRun) {
    const deployment = this.deployments.get(app.id);
    if (!deployment || deployment.runId !== run.id) return;
    if (run.phase === 'Succeeded') {
      deployment.waitingForHealth = true;
      deployment.syncedRevision = app.status.syncedRevision;
      this.judgeHealth(app, deployment);
      return;
    }
    this.settle(app, deployment, {
      state: 'failure',
      description: `Sync to ${app.destination.cluster} ${
        run.phase === 'Error' ? 'errored' : 'failed'
      }: ${run.message || run.phase}`,
    });
  }

  /** After a succeeded sync: Healthy is success, Degraded failure, anything else waits. */
  private judgeHealth(app: Application, deployment: Deployment) {
    deployment.latest = app;
    const { cluster } = app.destination;
    const { health, message } = app.status;
    if (health === 'Healthy') {
      this.settle(app, deployment, {
        state: 'success',
        description: `${
          deployment.selective ? 'Selected objects synced' : 'Synced'
        } and Healthy on ${cluster}`,
      });
      return;
    }
    if (health === 'Degraded') {
      this.settle(app, deployment, {
        state: 'failure',
        description: `Degraded on ${cluster}${message ? `: ${message}` : ''}`,
      });
      return;
    }
    if (deployment.timer) return;
    const timeoutMs = this.options.settings.healthTimeoutMs;
    deployment.timer = setTimeout(() => {
      if (this.deployments.get(app.id) !== deployment) return;
      const latest = deployment.latest ?? app;
      this.settle(latest, deployment, {
        state: 'failure',
        description: `Not Healthy after ${describeDuration(
          timeoutMs,
        )} on ${cluster} (${latest.status.health}${
          latest.status.message ? `: ${latest.status.message}` : ''
        })`,
      });
    }, timeoutMs);
    deployment.timer.unref?.();
  }

  private settle(
    app: Application,
    deployment: Deployment,
    status: Omit<CommitStatus, 'context' | 'targetUrl'>,
  ) {
    clearTimeout(deployment.timer);
    if (this.deployments.get(app.id) === deployment) {
      this.deployments.delete(app.id);
    }
    this.report(deployment, status);
  }

  private report(
    deployment: Deployment,
    status: Omit<CommitStatus, 'context' | 'targetUrl'>,
  ) {
    const reported = deployment.endpoint
      .then(endpoint => {
        if (!endpoint) return;
        this.sender.send({
          applicationId: deployment.applicationId,
          sha: deployment.sha,
          endpoint,
          status: {
            ...status,
            context: deployment.context,
            ...(deployment.targetUrl
              ? { targetUrl: deployment.targetUrl }
              : {}),
          },
        });
      })
      .catch(() => {})
      .finally(() => this.resolving.delete(reported));
    this.resolving.add(reported);
  }

  private async endpointFor(
    repoUrl: string,
  ): Promise<StatusEndpoint | undefined> {
    let resolved: Awaited<ReturnType<typeof resolveStatusEndpoint>>;
    try {
      resolved = await resolveStatusEndpoint(
        repoUrl,
        this.options.integrations,
        this.githubCredentials,
      );
    } catch (error) {
      if (!this.skipped.has(repoUrl)) {
        this.skipped.add(repoUrl);
        this.options.logger.warn(
          `Not reporting commit statuses to ${repoUrl}: its credentials could not be read: ${stringifyError(
            error,
          )}`,
        );
      }
      return undefined;
    }
    if ('skip' in resolved) {
      if (!this.skipped.has(repoUrl)) {
        this.skipped.add(repoUrl);
        this.options.logger.debug(
          `Not reporting commit statuses to ${repoUrl}: ${resolved.skip}`,
        );
      }
      return undefined;
    }
    return resolved;
  }

  /** The component's Deployments tab, when `app.baseUrl` is known. */
  private deploymentsTab(app: Application): string | undefined {
    const base = this.options.settings.appBaseUrl;
    if (!base) return undefined;
    const { kind, namespace, name } = parseEntityRef(app.entityRef);
    return `${base}/catalog/${encodeURIComponent(
      namespace,
    )}/${encodeURIComponent(
      kind.toLocaleLowerCase('en-US'),
    )}/${encodeURIComponent(name)}/deployments${
      // The tab opens the target it names.
      app.target === 'default'
        ? ''
        : `?target=${encodeURIComponent(app.target)}`
    }`;
  }
}

/**
 * `mooring/<entity>/<target>`: one status per application, the same for
 * every run, so each run updates it. The entity (not the cluster) keeps two
 * components of one repository on one cluster apart.
 */
export function contextOf(app: Pick<Application, 'entityRef' | 'target'>) {
  const { kind, namespace, name } = parseEntityRef(app.entityRef);
  const entity = [
    ...(kind.toLocaleLowerCase('en-US') === 'component' ? [] : [kind]),
    ...(namespace === 'default' ? [] : [namespace]),
    name,
  ].join('/');
  return `mooring/${entity}/${app.target}`;
}

function describeDuration(ms: number): string {
  const minutes = ms / 60_000;
  if (minutes >= 1 && Number.isInteger(minutes)) {
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  return `${Math.round(ms / 1000)} seconds`;
}
