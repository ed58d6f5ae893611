import { InputError } from '@backstage/errors';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import type { GitopsEngine } from '../engine/types';
import { auditedMutation } from '../service/auditedMutation';
import { operationOf } from '../service/operationOf';
import type { GitopsActionOptions } from './GitopsActionOptions';
import {
  applicationSelectorFields,
  selectApplication,
} from './selectApplication';

/** How far back the action looks for the previous successful run. */
const HISTORY_SEARCHED = 100;

/** A run the engine can roll back to: it applied a commit and succeeded. */
function appliedCommit(run: SyncRun): boolean {
  return run.phase === 'Succeeded' && !run.dryRun && !!run.commit.sha;
}

/**
 * The newest successful run that applied another commit than the one the
 * application runs now: what "roll back" means when nobody names a run.
 */
export async function previousSuccessfulRun(
  engine: Pick<GitopsEngine, 'getHistory'>,
  application: Application,
): Promise<SyncRun> {
  const runs = await engine.getHistory(application.id, {
    limit: HISTORY_SEARCHED,
  });
  const current =
    application.status.syncedRevision ?? runs.find(appliedCommit)?.commit.sha;
  const previous = runs.find(
    run => appliedCommit(run) && run.commit.sha !== current,
  );
  if (!previous) {
    throw new InputError(
      `Application '${application.id}' has no earlier successful run with another commit than the one it runs now; give runId to choose one`,
    );
  }
  return previous;
}

/**
 * `rollback-application`: re-applies the commit of an earlier successful run,
 * with the same permission check and audit event as
 * `POST /applications/:id/rollback`.
 */
export function registerRollbackApplicationAction(
  options: GitopsActionOptions,
) {
  const { actionsRegistry, engine, access, auditor } = options;
  actionsRegistry.register({
    name: 'rollback-application',
    title: 'Roll back GitOps application',
    description:
      'Re-applies the commit of an earlier successful sync run of a Mooring GitOps application, and pins it there: automatic syncs leave newer commits alone until someone resumes automation or syncs by hand. Without runId, rolls back to the previous successful run (the newest one that deployed another commit than the current one). Use list-application-history to find run ids. Needs gitops.application.sync, which owners of the entity have.',
    attributes: { readOnly: false, idempotent: false, destructive: true },
    schema: {
      input: z =>
        z.object({
          ...applicationSelectorFields(z),
          runId: z
            .string()
            .optional()
            .describe(
              'Id of the successful run to roll back to; default the previous successful run',
            ),
        }),
      output: z =>
        z.object({
          operation: z
            .record(z.string(), z.unknown())
            .describe('The started rollback sync'),
          rolledBackTo: z
            .string()
            .describe('Id of the run whose commit is applied again'),
        }),
    },
    action: async ({ input, credentials }) => {
      const result = await auditedMutation({
        auditor,
        access,
        credentials,
        eventId: 'application-rollback',
        meta: {
          via: 'action',
          applicationId: input.applicationId ?? null,
          entityRef: input.entityRef ?? null,
          target: input.target ?? null,
          runId: input.runId ?? null,
        },
        findApplication: () => selectApplication(engine, input),
        mutate: async ({ application, initiatedBy }) => {
          const runId =
            input.runId ??
            (await previousSuccessfulRun(engine, application)).id;
          const run = await engine.rollback(application.id, runId, initiatedBy);
          return {
            operation: operationOf(run, {
              dryRun: false,
              prune: application.policy.prune,
              initiatedBy,
            }),
            rolledBackTo: runId,
          };
        },
        resultMeta: r => ({
          runId: r.operation.runId,
          rolledBackTo: r.rolledBackTo,
        }),
      });
      return {
        output: {
          operation: result.operation as unknown as Record<string, unknown>,
          rolledBackTo: result.rolledBackTo,
        },
      };
    },
  });
}
