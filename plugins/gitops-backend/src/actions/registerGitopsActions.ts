import type { AuditorService } from '@backstage/backend-plugin-api';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  Application,
  applicationId,
  DEFAULT_TARGET,
} from '@mooring/plugin-gitops-common';
import type { GitopsEngine } from '../engine/types';
import type { ApplicationAccess } from '../service/ApplicationAccess';
import { operationOf } from '../service/router';

/** The zod instance the actions registry hands to schema functions. */
type RegistryZod = Parameters<
  Parameters<ActionsRegistryService['register']>[0]['schema']['input']
>[0];

/**
 * The input fields every action uses to pick an application: its id, or the
 * entity ref and (optionally) the target.
 */
function applicationSelector(z: RegistryZod) {
  return {
    applicationId: z
      .string()
      .optional()
      .describe('Application id, e.g. component~default~payments~prod'),
    entityRef: z
      .string()
      .optional()
      .describe('Catalog entity ref, e.g. component:default/payments'),
    target: z
      .string()
      .optional()
      .describe(
        "Target name, e.g. 'prod'; 'default' for single-target entities",
      ),
  };
}

/** The full form of an entity ref; kind defaults to component, namespace to default. */
function fullEntityRef(entityRef: string): string {
  return stringifyEntityRef(
    parseEntityRef(entityRef, {
      defaultKind: 'component',
      defaultNamespace: 'default',
    }),
  );
}

/**
 * Mooring's actions in Backstage's actions registry, for automation and AI
 * assistants. Each checks the caller's permissions exactly as the REST API does.
 */
export function registerGitopsActions(options: {
  actionsRegistry: ActionsRegistryService;
  engine: GitopsEngine;
  access: ApplicationAccess;
  auditor: AuditorService;
}) {
  const { actionsRegistry, engine, access, auditor } = options;

  /** Finds the application by id, or by entity ref and target. */
  const resolve = async (input: {
    applicationId?: string;
    entityRef?: string;
    target?: string;
  }): Promise<Application> => {
    if (input.applicationId) {
      return engine.getApplication(input.applicationId);
    }
    if (!input.entityRef) {
      throw new InputError('Give applicationId, or entityRef (and target)');
    }
    let ref: string;
    try {
      ref = fullEntityRef(input.entityRef);
    } catch {
      throw new InputError(
        `'${input.entityRef}' is not an entity ref; use the form 'component:default/payments'`,
      );
    }
    const id = applicationId(ref, input.target ?? DEFAULT_TARGET);
    try {
      return await engine.getApplication(id);
    } catch (error) {
      if (
        error instanceof NotFoundError ||
        (error as Error).name === 'NotFoundError'
      ) {
        const targets = (await engine.listApplications())
          .filter(
            a =>
              a.entityRef.toLocaleLowerCase('en-US') ===
              ref.toLocaleLowerCase('en-US'),
          )
          .map(a => a.target);
        throw new NotFoundError(
          targets.length
            ? `${ref} has no target '${
                input.target ?? DEFAULT_TARGET
              }'; its targets: ${targets.join(', ')}`
            : `${ref} is not onboarded to Mooring (no mooring.dev annotations, or they have errors)`,
        );
      }
      throw error;
    }
  };

  actionsRegistry.register({
    name: 'get-application-status',
    title: 'Get GitOps application status',
    description:
      'Returns the sync and health status, source and destination of the Mooring GitOps application(s) of a catalog entity. Without target, returns every target of the entity.',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          ...applicationSelector(z),
        }),
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
        const ref = fullEntityRef(input.entityRef).toLocaleLowerCase('en-US');
        apps = (await engine.listApplications()).filter(
          a => a.entityRef.toLocaleLowerCase('en-US') === ref,
        );
        if (apps.length === 0) {
          throw new NotFoundError(
            `${input.entityRef} is not onboarded to Mooring (no mooring.dev annotations, or they have errors)`,
          );
        }
      } else {
        apps = [await resolve(input)];
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

  actionsRegistry.register({
    name: 'list-application-history',
    title: 'List GitOps application history',
    description:
      'Lists the sync runs of a Mooring GitOps application, newest first: revision, commit, who started it, outcome and changed objects.',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          ...applicationSelector(z),
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
      const app = await resolve(input);
      await access.requireRead(credentials, app);
      const runs = await engine.getHistory(app.id, {
        limit: input.limit ?? 20,
      });
      return { output: { runs: runs as unknown as Record<string, unknown>[] } };
    },
  });

  actionsRegistry.register({
    name: 'sync-application',
    title: 'Sync GitOps application',
    description:
      'Applies Git to the cluster for a Mooring GitOps application (needs gitops.application.sync, which owners of the entity have). Use dryRun to see what would change first.',
    attributes: { readOnly: false, idempotent: false, destructive: true },
    schema: {
      input: z =>
        z.object({
          ...applicationSelector(z),
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
      const initiatedBy = access.initiator(credentials);
      const event = await auditor.createEvent({
        eventId: 'application-sync',
        severityLevel: 'medium',
        meta: {
          via: 'action',
          initiatedBy,
          applicationId: input.applicationId ?? null,
          entityRef: input.entityRef ?? null,
          target: input.target ?? null,
          revision: input.revision ?? null,
          prune: input.prune ?? null,
          dryRun: input.dryRun ?? null,
        },
      });
      try {
        const app = await resolve(input);
        await access.requireSync(credentials, app);
        const run = await engine.sync(app.id, {
          revision: input.revision,
          prune: input.prune,
          dryRun: input.dryRun,
          initiatedBy,
        });
        const operation = operationOf(run, {
          dryRun: input.dryRun ?? false,
          prune: input.prune ?? app.policy.prune,
          initiatedBy,
        });
        await event.success({ meta: { applicationId: app.id, runId: run.id } });
        return {
          output: {
            operation: operation as unknown as Record<string, unknown>,
          },
        };
      } catch (error) {
        await event.fail({ error: error as Error });
        throw error;
      }
    },
  });
}
