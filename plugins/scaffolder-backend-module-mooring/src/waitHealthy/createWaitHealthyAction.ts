import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import type { AlphaEntity } from '@backstage/catalog-model/alpha';
import { Config } from '@backstage/config';
import { InputError, ResponseError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type {
  Application,
  ApplicationListResponse,
} from '@mooring/plugin-gitops-common';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the action needs from the backend. */
export interface WaitHealthyActionOptions {
  config: Config;
  discovery: DiscoveryService;
  auth: AuthService;
  catalog: CatalogService;
  /** Time between two reads of the applications; 3 s unless a test says otherwise. */
  pollIntervalMs?: number;
}

/** Error names the gitops catalog module puts on an entity's processing status. */
const MOORING_ERRORS = new Set([
  'MooringAnnotationError',
  'MooringSyncRefused',
]);

/** The entity's Deployments tab (route `deployments` of the Mooring frontend plugin). */
export function deploymentsLink(appBaseUrl: string, ref: CompoundEntityRef) {
  const part = (s: string) => encodeURIComponent(s);
  return `${appBaseUrl.replace(/\/+$/, '')}/catalog/${part(
    ref.namespace,
  )}/${part(ref.kind.toLocaleLowerCase('en-US'))}/${part(
    ref.name,
  )}/deployments`;
}

/** Why an application will not become Healthy by waiting, or undefined. */
function failure(app: Application, revision: string | undefined) {
  const { status } = app;
  const operation = status.operation;
  const ours = !revision || operation?.revision === revision;
  if (
    operation &&
    ours &&
    (operation.phase === 'Failed' || operation.phase === 'Error')
  ) {
    return `the sync of ${app.id} ${
      operation.phase === 'Failed' ? 'failed' : 'errored'
    }: ${operation.message || status.message || 'no message'}`;
  }
  const synced = !revision || status.syncedRevision === revision;
  if (synced && status.health === 'Degraded') {
    return `${app.id} is Degraded: ${
      status.message || 'see its resources on the Deployments tab'
    }`;
  }
  return undefined;
}

function done(app: Application, revision: string | undefined) {
  const { status } = app;
  return (
    status.sync === 'Synced' &&
    status.health === 'Healthy' &&
    !!status.syncedRevision &&
    (!revision || status.syncedRevision === revision) &&
    (!status.operation ||
      status.operation.phase === 'Succeeded' ||
      status.operation.revision !== revision)
  );
}

const describe = (app: Application) =>
  `${app.id}: ${app.status.sync}, ${app.status.health}${
    app.status.operation ? `, sync ${app.status.operation.phase}` : ''
  }`;

/**
 * `mooring:wait-healthy`: waits until every application of an entity has
 * had its first sync (of the given commit, when given) and is Synced and
 * Healthy; fails at once, saying why, when a sync fails, an application is
 * Degraded or Mooring refuses the entity's annotations.
 */
export function createWaitHealthyAction(options: WaitHealthyActionOptions) {
  const { config, discovery, auth, catalog } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 3000;

  return createTemplateAction({
    id: 'mooring:wait-healthy',
    description:
      "Waits until each Mooring application of an entity is Synced and Healthy after its first sync, and links the entity's Deployments tab.",
    schema: {
      input: {
        entityRef: z => z.string().describe('The onboarded component'),
        revision: z =>
          z
            .string()
            .optional()
            .describe(
              'Wait for this commit to be synced (the output commitSha of mooring:onboard)',
            ),
        applicationIds: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'Applications to wait for (the output of mooring:onboard); default: all of the entity',
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .max(120)
            .default(10)
            .describe('Give up after this long'),
      },
      output: {
        link: z =>
          z.string().describe("The entity's Deployments tab (full URL)"),
        path: z =>
          z
            .string()
            .describe(
              "The entity's Deployments tab as a path of the app, for the template's output links (opens in the same window)",
            ),
        applications: z =>
          z.array(
            z.object({ id: z.string(), sync: z.string(), health: z.string() }),
          ),
      },
    },
    async handler(ctx) {
      // The scaffolder does not fill in the schema's defaults.
      const input = {
        ...ctx.input,
        timeoutMinutes: ctx.input.timeoutMinutes ?? 10,
      };
      let ref: CompoundEntityRef;
      try {
        ref = parseEntityRef(input.entityRef, {
          defaultKind: 'component',
          defaultNamespace: 'default',
        });
      } catch {
        throw new InputError(
          `'${input.entityRef}' is not an entity ref such as component:default/shipping`,
        );
      }
      const entityRef = stringifyEntityRef(ref);
      const link = deploymentsLink(config.getString('app.baseUrl'), ref);
      const baseUrl = await discovery.getBaseUrl('gitops');
      const deadline = Date.now() + input.timeoutMinutes * 60_000;
      const expected = input.applicationIds ?? [];
      let last = 'Mooring has not listed its applications yet';

      ctx.logger.info(
        `Waiting up to ${input.timeoutMinutes} min for ${entityRef} to be Synced and Healthy`,
      );
      for (;;) {
        if (ctx.signal?.aborted) {
          throw new Error(
            `Stopped waiting for ${entityRef}: the task was cancelled`,
          );
        }
        const credentials = await ctx.getInitiatorCredentials();
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf: credentials,
          targetPluginId: 'gitops',
        });
        const response = await fetch(
          `${baseUrl}/applications?entityRef=${encodeURIComponent(entityRef)}`,
          { headers: { Authorization: `Bearer ${token}` }, signal: ctx.signal },
        ).catch(error => {
          if (ctx.signal?.aborted) {
            throw new Error(
              `Stopped waiting for ${entityRef}: the task was cancelled`,
            );
          }
          throw error;
        });
        if (!response.ok) {
          const error = await ResponseError.fromResponse(response);
          throw new Error(
            `Mooring's API answered ${
              response.status
            } when asked for the applications of ${entityRef}: ${
              error.body?.error?.message || error.message
            }`,
          );
        }
        const { items } = (await response.json()) as ApplicationListResponse;
        const apps = items.filter(
          app => expected.length === 0 || expected.includes(app.id),
        );
        const missing = expected.filter(id => !apps.some(app => app.id === id));

        for (const app of apps) {
          const why = failure(app, input.revision);
          if (why) throw new Error(`${entityRef} did not deploy: ${why}`);
        }
        if (apps.length === 0 || missing.length > 0) {
          // Not picked up (yet), or refused: the catalog module says why.
          const entity = (await catalog.getEntityByRef(entityRef, {
            credentials,
          })) as AlphaEntity | undefined;
          const refused = (entity?.status?.items ?? []).find(
            item =>
              item.level === 'error' &&
              MOORING_ERRORS.has(item.error?.name ?? ''),
          );
          if (refused) {
            throw new Error(
              `Mooring refuses ${entityRef}: ${
                refused.error?.message ?? refused.message
              }`,
            );
          }
          last = missing.length
            ? `waiting for Mooring to pick up ${missing.join(', ')}`
            : 'Mooring has no application for it yet';
        } else if (
          missing.length === 0 &&
          apps.every(app => done(app, input.revision))
        ) {
          for (const app of apps) ctx.logger.info(`${describe(app)}`);
          ctx.output('link', link);
          ctx.output('path', new URL(link).pathname);
          ctx.output(
            'applications',
            apps.map(app => ({
              id: app.id,
              sync: app.status.sync,
              health: app.status.health,
            })),
          );
          return;
        } else {
          const now = apps.map(describe).join('; ');
          if (now !== last) ctx.logger.info(now);
          last = now;
        }

        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `${entityRef} was not Synced and Healthy within ${input.timeoutMinutes} min (${last}); see ${link}`,
          );
        }
        try {
          await sleep(Math.min(pollIntervalMs, left), undefined, {
            signal: ctx.signal,
          });
        } catch {
          throw new Error(
            `Stopped waiting for ${entityRef}: the task was cancelled`,
          );
        }
      }
    },
  });
}
