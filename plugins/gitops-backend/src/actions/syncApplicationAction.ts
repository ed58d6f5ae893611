import { auditedMutation } from '../service/auditedMutation';
import { startSync } from '../service/operationOf';
import type { GitopsActionOptions } from './GitopsActionOptions';
import {
  applicationSelectorFields,
  selectApplication,
} from './selectApplication';

/**
 * `sync-application`: applies Git to the cluster, with the same permission
 * check and audit event as `POST /applications/:id/sync`.
 */
export function registerSyncApplicationAction(options: GitopsActionOptions) {
  const { actionsRegistry, engine, access, auditor } = options;
  actionsRegistry.register({
    name: 'sync-application',
    title: 'Sync GitOps application',
    description:
      'Applies Git to the cluster for a Mooring GitOps application (needs gitops.application.sync, which owners of the entity have). Use dryRun to see what would change first.',
    attributes: { readOnly: false, idempotent: false, destructive: true },
    schema: {
      input: z =>
        z.object({
          ...applicationSelectorFields(z),
          revision: z
            .string()
            .optional()
            .describe(
              "Branch, tag or commit; default the application's revision",
            ),
          prune: z
            .boolean()
            .optional()
            .describe('Delete objects that were removed from Git'),
          dryRun: z
            .boolean()
            .optional()
            .describe('Only compute what would change'),
        }),
      output: z =>
        z.object({
          operation: z
            .record(z.string(), z.unknown())
            .describe('The started operation'),
        }),
    },
    action: async ({ input, credentials }) => {
      const operation = await auditedMutation({
        auditor,
        access,
        credentials,
        eventId: 'application-sync',
        meta: {
          via: 'action',
          applicationId: input.applicationId ?? null,
          entityRef: input.entityRef ?? null,
          target: input.target ?? null,
          revision: input.revision ?? null,
          prune: input.prune ?? null,
          dryRun: input.dryRun ?? null,
        },
        findApplication: () => selectApplication(engine, input),
        mutate: ({ application, initiatedBy }) =>
          startSync(engine, application, input, initiatedBy),
        resultMeta: op => ({ runId: op.runId }),
      });
      return {
        output: { operation: operation as unknown as Record<string, unknown> },
      };
    },
  });
}
