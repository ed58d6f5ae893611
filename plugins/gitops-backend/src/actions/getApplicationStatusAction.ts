import { NotFoundError } from '@backstage/errors';
import type { Application } from '@mooring/plugin-gitops-common';
import { applicationsOfEntity } from '../service/applicationsOfEntity';
import { normalizeEntityRef } from '../service/normalizeEntityRef';
import type { GitopsActionOptions } from './GitopsActionOptions';
import {
  applicationSelectorFields,
  notOnboarded,
  selectApplication,
} from './selectApplication';

/**
 * `get-application-status`: sync, health, source and destination of an
 * application, or of every target of an entity when no target is given.
 */
export function registerGetApplicationStatusAction(
  options: Pick<GitopsActionOptions, 'actionsRegistry' | 'engine' | 'access'>,
) {
  const { actionsRegistry, engine, access } = options;
  actionsRegistry.register({
    name: 'get-application-status',
    title: 'Get GitOps application status',
    description:
      'Returns the sync and health status, source and destination of the Mooring GitOps application(s) of a catalog entity. Without target, returns every target of the entity.',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z => z.object(applicationSelectorFields(z)),
      output: z =>
        z.object({
          applications: z
            .array(z.record(z.string(), z.unknown()))
            .describe('Applications'),
        }),
    },
    action: async ({ input, credentials }) => {
      let apps: Application[];
      if (!input.applicationId && input.entityRef && !input.target) {
        const ref = normalizeEntityRef(input.entityRef);
        apps = await applicationsOfEntity(engine, ref);
        if (apps.length === 0) {
          throw new NotFoundError(notOnboarded(ref));
        }
      } else {
        apps = [await selectApplication(engine, input)];
      }
      const allowed = await access.readable(
        credentials,
        apps.map(a => a.entityRef),
      );
      for (const app of apps) {
        if (!allowed.has(app.entityRef)) {
          await access.requireRead(credentials, app);
        }
      }
      return {
        output: { applications: apps as unknown as Record<string, unknown>[] },
      };
    },
  });
}
