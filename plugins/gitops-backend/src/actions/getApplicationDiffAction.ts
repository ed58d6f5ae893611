import type { GitopsActionOptions } from './GitopsActionOptions';
import {
  applicationSelectorFields,
  selectApplication,
} from './selectApplication';

/**
 * `get-application-diff`: what a sync would change, object by object, as
 * `GET /applications/:id/diff` answers it (Secret values masked).
 */
export function registerGetApplicationDiffAction(
  options: Pick<GitopsActionOptions, 'actionsRegistry' | 'engine' | 'access'>,
) {
  const { actionsRegistry, engine, access } = options;
  actionsRegistry.register({
    name: 'get-application-diff',
    title: 'Get GitOps application diff',
    description:
      'Returns how the live cluster differs from Git for a Mooring GitOps application: one unified diff (live to desired) per object that differs, with Secret values masked. Empty when the application is in sync. Use it to explain why an application is OutOfSync or to review what a sync would change; call refresh-application first for a comparison made just now.',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z => z.object(applicationSelectorFields(z)),
      output: z =>
        z.object({
          applicationId: z.string().describe('The application compared'),
          sync: z
            .string()
            .describe('Its sync status: Synced, OutOfSync or Unknown'),
          items: z
            .array(
              z.object({
                group: z.string(),
                kind: z.string(),
                namespace: z
                  .string()
                  .describe('Empty for cluster-scoped objects'),
                name: z.string(),
                diff: z.string().describe('Unified diff, live to desired'),
              }),
            )
            .describe('The objects that differ'),
        }),
    },
    action: async ({ input, credentials }) => {
      const application = await selectApplication(engine, input);
      await access.requireRead(credentials, application);
      return {
        output: {
          applicationId: application.id,
          sync: application.status.sync,
          items: await engine.getDiff(application.id),
        },
      };
    },
  });
}
