import type { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import type { Application } from '@mooring/plugin-gitops-common';
import type { EngineEvent, GitopsEngine } from '../engine/types';
import type { GitopsStore } from '../store/GitopsStore';
import type { ApplicationHealthState } from './types';

type Ledger = Pick<
  GitopsStore,
  'recordDeploymentStart' | 'recordDeploymentFinish' | 'recordApplicationHealth'
>;

const APPLYING_ACTIONS = new Set(['created', 'configured', 'deleted']);

function healthState(application: Application): ApplicationHealthState {
  const { sync, health, syncedRevision } = application.status;
  return { sync, health, ...(syncedRevision ? { syncedRevision } : {}) };
}

/**
 * Writes the deployments ledger from the engine's events. The replica that
 * runs a sync records its start and end (`syncStarted`, `syncFinished`);
 * every replica reports status changes (`status`), which the ledger applies
 * with conditional updates, so they count once. Writes happen one after the
 * other, in the order of the events, and a failed write is logged, never
 * thrown into the engine.
 */
export class DeliveryRecorder {
  private queue: Promise<void> = Promise.resolve();
  /** The last status seen of each application, so only changes are written. */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly options: {
      ledger: Ledger;
      logger: LoggerService;
      now?: () => number;
    },
  ) {}

  /** Follows the engine's events until the returned function is called. */
  attach(engine: Pick<GitopsEngine, 'subscribe'>): () => void {
    return engine.subscribe(event => this.enqueue(event));
  }

  /** Resolves once every event received so far is written. */
  async flush(): Promise<void> {
    await this.queue;
  }

  private enqueue(event: EngineEvent) {
    this.queue = this.queue
      .then(() => this.record(event))
      .catch(error =>
        this.options.logger.warn(
          `Could not record a deployment of ${
            'application' in event ? event.application.id : 'an application'
          } for delivery insights: ${stringifyError(error)}`,
        ),
      );
  }

  private async record(event: EngineEvent) {
    const { ledger } = this.options;
    const now = this.options.now ?? Date.now;
    switch (event.type) {
      case 'syncStarted': {
        const { application, run, options } = event;
        if (options.dryRun || !run.commit.sha) return;
        await ledger.recordDeploymentStart({
          runId: run.id,
          applicationId: application.id,
          entityRef: application.entityRef,
          target: application.target,
          ...(application.owner ? { ownerRef: application.owner } : {}),
          cluster: application.destination.cluster,
          commitSha: run.commit.sha,
          ...(run.commit.date ? { commitAt: Date.parse(run.commit.date) } : {}),
          startedAt: Date.parse(run.startedAt),
          initiatedBy: run.initiatedBy,
          isRollback: Boolean(options.rollback),
        });
        return;
      }
      case 'syncFinished': {
        const { application, run, options } = event;
        if (options.dryRun || run.phase === 'Running') return;
        const finishedAt = run.finishedAt ? Date.parse(run.finishedAt) : now();
        await ledger.recordDeploymentFinish(run.id, {
          result: run.phase,
          finishedAt,
          changed: run.changes.some(c => APPLYING_ACTIONS.has(c.action)),
          status: healthState(application),
        });
        return;
      }
      case 'status': {
        const { application } = event;
        const state = healthState(application);
        const key = `${state.sync}/${state.health}/${state.syncedRevision}`;
        if (this.seen.get(application.id) === key) return;
        this.seen.set(application.id, key);
        await ledger.recordApplicationHealth(application.id, state, now());
        return;
      }
      default:
        return;
    }
  }
}
