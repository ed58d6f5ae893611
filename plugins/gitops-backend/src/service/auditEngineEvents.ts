import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import { changeSummary } from '../apply/changeSummary';
import type { EngineEvent, GitopsEngine } from '../engine/types';

/**
 * Audits what the engine changes on its own, as the REST API and the actions
 * audit what people ask for: every automatic sync (`application-auto-sync`
 * for a new commit, by 'auto' or 'webhook'; `application-self-heal`), and the
 * deletion of a removed application's objects (`application-prune-on-remove`).
 * Returns the function that stops it.
 */
export function auditEngineEvents(options: {
  engine: Pick<GitopsEngine, 'subscribe'>;
  auditor: AuditorService;
  logger: LoggerService;
}): () => void {
  const { engine, auditor, logger } = options;
  return engine.subscribe(event => {
    audit(auditor, event).catch(error =>
      logger.warn(
        `Could not audit what the engine did to ${
          event.application.id
        }: ${stringifyError(error)}`,
      ),
    );
  });
}

async function audit(auditor: AuditorService, event: EngineEvent) {
  const { id, entityRef, destination } = event.application;
  const about = {
    applicationId: id,
    entityRef,
    cluster: destination.cluster,
    namespace: destination.namespace,
  };
  if (event.type === 'automaticSync') {
    const { run } = event;
    const audited = await auditor.createEvent({
      eventId:
        run.initiatedBy === 'self-heal'
          ? 'application-self-heal'
          : 'application-auto-sync',
      severityLevel: 'medium',
      meta: {
        ...about,
        initiatedBy: run.initiatedBy,
        runId: run.id,
        revision: run.commit.sha || run.revision,
      },
    });
    const meta = { phase: run.phase, changes: changeSummary(run.changes) };
    if (run.phase === 'Succeeded') {
      await audited.success({ meta });
    } else {
      await audited.fail({ meta, error: new Error(run.message) });
    }
  } else if (event.type === 'removedApplicationPruned') {
    const audited = await auditor.createEvent({
      eventId: 'application-prune-on-remove',
      severityLevel: 'high',
      meta: { ...about, initiatedBy: 'auto' },
    });
    const meta = {
      deleted: event.changes
        .filter(c => c.action === 'deleted')
        .map(c => [c.kind, c.namespace, c.name].filter(Boolean).join('/')),
    };
    if (event.error) {
      await audited.fail({ meta, error: new Error(event.error) });
    } else {
      await audited.success({ meta });
    }
  }
}
