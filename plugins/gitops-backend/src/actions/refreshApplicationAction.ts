import { auditedMutation } from '../service/auditedMutation';
import type { GitopsActionOptions } from './GitopsActionOptions';
import {
  applicationSelectorFields,
  selectApplication,
} from './selectApplication';

/**
 * `refresh-application`: re-reads Git and the cluster now. Like
 * `POST /applications/:id/refresh` it takes `gitops.application.sync` (a
 * refresh makes the agent fetch and compare, which readers may not cause at
 * will) and is audited; it applies nothing.
 */
export function registerRefreshApplicationAction(options: GitopsActionOptions) {
  const { actionsRegistry, engine, access, auditor } = options;
  actionsRegistry.register({
    name: 'refresh-application',
    title: 'Refresh GitOps application',
    description:
      'Makes Mooring re-read Git and the cluster for a GitOps application now instead of at the next reconcile, and returns its fresh sync and health status. Use it after a push or a manual change in the cluster, before reading the status or diff. Applies nothing (an application with auto-sync may start syncing a new commit). Needs gitops.application.sync, which owners of the entity have.',
    attributes: { readOnly: false, idempotent: true, destructive: false },
    schema: {
      input: z => z.object(applicationSelectorFields(z)),
      output: z =>
        z.object({
          application: z
            .record(z.string(), z.unknown())
            .describe('The application as compared just now'),
        }),
    },
    action: async ({ input, credentials }) => {
      const application = await auditedMutation({
        auditor,
        access,
        credentials,
        eventId: 'application-refresh',
        meta: {
          via: 'action',
          applicationId: input.applicationId ?? null,
          entityRef: input.entityRef ?? null,
          target: input.target ?? null,
        },
        findApplication: () => selectApplication(engine, input),
        mutate: ({ application: app }) => engine.refresh(app.id),
      });
      return {
        output: {
          application: application as unknown as Record<string, unknown>,
        },
      };
    },
  });
}
