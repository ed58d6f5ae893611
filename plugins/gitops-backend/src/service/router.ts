import {
  AuditorService,
  HttpAuthService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { createValidatedOpenApiRouterFromGeneratedEndpointMap } from '@backstage/backend-openapi-utils';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { JsonObject } from '@backstage/types';
import type {
  ApplicationListResponse,
  Operation,
  SyncRun,
} from '@mooring/plugin-gitops-common';
import express from 'express';
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { GitopsEngine } from '../engine/types';
import type { ApplicationAccess } from './ApplicationAccess';

/**
 * The validated router of `@backstage/backend-openapi-utils`, used as a plain
 * express router: its typed-router generics are costly for the compiler and
 * this router types its handlers from the common API types instead.
 */
const createOpenApiRouter =
  createValidatedOpenApiRouterFromGeneratedEndpointMap as unknown as (
    spec: unknown,
  ) => express.Router;

/** The REST API's contract; requests are validated against it. */
export function loadOpenApiSpec(): unknown {
  const file = resolvePackagePath(
    '@mooring/plugin-gitops-backend',
    'src/schema/openapi.yaml',
  );
  return parseYaml(fs.readFileSync(file, 'utf8'));
}

export interface RouterOptions {
  engine: GitopsEngine;
  access: ApplicationAccess;
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  /** Annotation errors of onboarded entities (all when no refs are given). */
  annotationErrors: {
    errors(entityRefs?: Iterable<string>): ApplicationListResponse['errors'];
    entitiesWithErrors(): string[];
  };
}

/**
 * The REST API at `/api/gitops` (see `schema/openapi.yaml`): every route
 * checks the caller's permission on the application's entity first, and every
 * sync, rollback and refresh is audited with the caller's identity.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { engine, access, httpAuth, auditor, annotationErrors } = options;
  const router = createOpenApiRouter(loadOpenApiSpec());

  const credentialsOf = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  /** The application, after checking the caller may read it. */
  const readable = async (req: express.Request) => {
    const credentials = await credentialsOf(req);
    const application = await engine.getApplication(req.params.id);
    await access.requireRead(credentials, application);
    return application;
  };

  /**
   * Runs a mutation as an audited event: who asked, on which application,
   * with what, and whether it was allowed and worked.
   */
  const audited = async <T>(
    req: express.Request,
    eventId: string,
    meta: JsonObject,
    fn: (context: {
      initiatedBy: string;
      application: Awaited<ReturnType<GitopsEngine['getApplication']>>;
    }) => Promise<T>,
  ): Promise<T> => {
    const event = await auditor.createEvent({
      eventId,
      request: req,
      severityLevel: 'medium',
      meta: { applicationId: req.params.id, ...meta },
    });
    try {
      const credentials = await credentialsOf(req);
      const application = await engine.getApplication(req.params.id);
      await access.requireSync(credentials, application);
      const result = await fn({
        initiatedBy: access.initiator(credentials),
        application,
      });
      await event.success({ meta: { entityRef: application.entityRef } });
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  };

  router.get('/applications', async (req, res) => {
    const credentials = await credentialsOf(req);
    const entityRef = normalizeEntityRef(req.query.entityRef);
    const all = await engine.listApplications();
    const candidates = entityRef
      ? all.filter(a => sameRef(a.entityRef, entityRef))
      : all;
    const withErrors = entityRef
      ? [entityRef]
      : annotationErrors.entitiesWithErrors();
    const allowed = await access.readable(credentials, [
      ...candidates.map(a => a.entityRef),
      ...withErrors,
    ]);
    const body: ApplicationListResponse = {
      items: candidates.filter(a => allowed.has(a.entityRef)),
      errors: annotationErrors
        .errors(withErrors)
        .filter(e => allowed.has(e.entityRef)),
    };
    res.json(body);
  });

  router.get('/applications/:id', async (req, res) => {
    res.json(await readable(req));
  });

  router.get('/applications/:id/resources', async (req, res) => {
    const application = await readable(req);
    res.json({ items: await engine.getResources(application.id) });
  });

  router.get('/applications/:id/diff', async (req, res) => {
    const application = await readable(req);
    res.json({ items: await engine.getDiff(application.id) });
  });

  router.get('/applications/:id/history', async (req, res) => {
    const application = await readable(req);
    const limit =
      req.query.limit === undefined ? undefined : Number(req.query.limit);
    res.json({ items: await engine.getHistory(application.id, { limit }) });
  });

  router.post('/applications/:id/sync', async (req, res) => {
    const body = (req.body ?? {}) as {
      revision?: string;
      prune?: boolean;
      dryRun?: boolean;
    };
    const operation = await audited(
      req,
      'application-sync',
      { ...body },
      async ({ application, initiatedBy }) => {
        const run = await engine.sync(application.id, {
          revision: body.revision,
          prune: body.prune,
          dryRun: body.dryRun,
          initiatedBy,
        });
        return operationOf(run, {
          dryRun: body.dryRun ?? false,
          prune: body.prune ?? application.policy.prune,
          initiatedBy,
        });
      },
    );
    res.status(body.dryRun ? 200 : 202).json({ operation });
  });

  router.post('/applications/:id/rollback', async (req, res) => {
    const { runId } = req.body as { runId: string };
    const operation = await audited(
      req,
      'application-rollback',
      { runId },
      async ({ application, initiatedBy }) => {
        const run = await engine.rollback(application.id, runId, initiatedBy);
        return operationOf(run, {
          dryRun: false,
          prune: application.policy.prune,
          initiatedBy,
        });
      },
    );
    res.status(202).json({ operation });
  });

  router.post('/applications/:id/refresh', async (req, res) => {
    const application = await audited(
      req,
      'application-refresh',
      {},
      ({ application: app }) => engine.refresh(app.id),
    );
    res.json(application);
  });

  return router;
}

/** The operation a run stands for, as the API reports it. */
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

function normalizeEntityRef(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new InputError('entityRef must be given once, as a string');
  }
  try {
    return stringifyEntityRef(
      parseEntityRef(value, {
        defaultKind: 'component',
        defaultNamespace: 'default',
      }),
    );
  } catch (error) {
    throw new InputError(
      `entityRef '${value}' is not an entity ref; use the form 'component:default/payments'`,
    );
  }
}

/** Entity refs compare case-insensitively, as in the catalog. */
function sameRef(a: string, b: string): boolean {
  return a.toLocaleLowerCase('en-US') === b.toLocaleLowerCase('en-US');
}
