import type { Operation, SyncRun } from '@mooring/plugin-gitops-common';

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
