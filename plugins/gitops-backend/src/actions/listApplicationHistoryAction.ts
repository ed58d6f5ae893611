import type { GitopsActionOptions } from './GitopsActionOptions';
import {
  applicationSelectorFields,
  selectApplication,
} from './selectApplication';

/** `list-application-history`: the sync runs of an application, newest first. */
export function registerListApplicationHistoryAction(
  options: Pick<GitopsActionOptions, 'actionsRegistry' | 'engine' | 'access'>,
) {
  const { actionsRegistry, engine, access } = options;
  actionsRegistry.register({
    name: 'list-application-history',
    title: 'List GitOps application history',
    description:
      'Lists the sync runs of a Mooring GitOps application, newest first: revision, commit, who started it, outcome and changed objects.',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          ...applicationSelectorFields(z),
          limit: z
            .number()
            .int()
            .min(1)
            .max(100)
            .optional()
            .describe('At most this many runs (default 20)'),
        }),
      output: z =>
        z.object({
          runs: z
            .array(z.record(z.string(), z.unknown()))
            .describe('Sync runs'),
        }),
    },
    action: async ({ input, credentials }) => {
      const app = await selectApplication(engine, input);
      await access.requireRead(credentials, app);
      const runs = await engine.getHistory(app.id, {
        limit: input.limit ?? 20,
      });
      return { output: { runs: runs as unknown as Record<string, unknown>[] } };
    },
  });
}
