import type {
  Application,
  Operation,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import type { GitopsEngine, ObjectSelector } from '../engine/types';

/** The operation a run stands for, as the API and the actions report it. */
export function operationOf(
  run: SyncRun,
  defaults: { dryRun: boolean; prune: boolean; initiatedBy: string },
): Operation {
  return {
    id: run.id,
    runId: run.id,
    phase: run.phase,
    revision: run.revision,
    initiatedBy: run.initiatedBy || defaults.initiatedBy,
    startedAt: run.startedAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    message: run.message,
    dryRun: run.dryRun ?? defaults.dryRun,
    prune: defaults.prune,
    changes: run.changes,
  };
}

/**
 * Starts a sync (or a dry run) of an application as the REST API and the
 * actions do, and answers with its operation.
 */
export async function startSync(
  engine: Pick<GitopsEngine, 'sync'>,
  application: Application,
  request: {
    revision?: string;
    prune?: boolean;
    dryRun?: boolean;
    resources?: ObjectSelector[];
  },
  initiatedBy: string,
): Promise<Operation> {
  const run = await engine.sync(application.id, {
    revision: request.revision,
    prune: request.prune,
    dryRun: request.dryRun,
    ...(request.resources?.length ? { resources: request.resources } : {}),
    initiatedBy,
  });
  return operationOf(run, {
    dryRun: request.dryRun ?? false,
    prune: request.prune ?? application.policy.prune,
    initiatedBy,
  });
}
