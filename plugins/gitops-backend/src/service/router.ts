import type {
  AuditorService,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';
import type {
  ApplicationListResponse,
  AutomationRequest,
  RollbackRequest,
  SyncRequest,
} from '@mooring/plugin-gitops-common';
import type express from 'express';
import type { GitopsEngine } from '../engine/types';
import type { DeliveryInsights } from '../insights/DeliveryInsights';
import { createOpenApiRouter } from '../schema/openapi/generated/router';
import type { ApplicationAccess } from './ApplicationAccess';
import {
  filterApplications,
  readablePageOf,
  parseListQuery,
} from './applicationListing';
import { applicationsOfEntity } from './applicationsOfEntity';
import { auditedMutation, AuditedMutationOptions } from './auditedMutation';
import { normalizeEntityRef } from './normalizeEntityRef';
import {
  actionRequestFrom,
  podLogRequestFrom,
  resourceRefFrom,
} from './resourceRequests';
import { operationOf, startSync } from './operationOf';

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
  /** Delivery figures from the deployments ledger (`GET /insights`). */
  insights: DeliveryInsights;
}

/**
 * The REST API at `/api/gitops`, served from `schema/openapi.yaml` (requests
 * are validated against it before any handler runs): every route checks the
 * caller's permission on the application's entity first, and every sync,
 * rollback and refresh is audited with the caller's identity.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { engine, access, httpAuth, auditor, annotationErrors, insights } =
    options;
  const router = createOpenApiRouter();

  const credentialsOf = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  /** The application, after checking the caller may read it. */
  const readable = async (req: express.Request) => {
    const credentials = await credentialsOf(req);
    const application = await engine.getApplication(req.params.id);
    await access.requireRead(credentials, application);
    return application;
  };

  /** Runs a mutation of the application in the path, audited. */
  const mutation = async <T>(
    req: express.Request,
    eventId: string,
    meta: JsonObject,
    mutate: AuditedMutationOptions<T>['mutate'],
    resultMeta?: AuditedMutationOptions<T>['resultMeta'],
  ) =>
    auditedMutation({
      auditor,
      access,
      credentials: await credentialsOf(req),
      eventId,
      request: req,
      meta: { applicationId: req.params.id, ...meta },
      findApplication: () => engine.getApplication(req.params.id),
      mutate,
      resultMeta,
    });

  router.get('/applications', async (req, res) => {
    const credentials = await credentialsOf(req);
    const entityRef =
      req.query.entityRef === undefined
        ? undefined
        : normalizeEntityRef(req.query.entityRef);
    const query = parseListQuery(req.query);
    // Filtered before the permission check, so it asks about fewer entities.
    const candidates = filterApplications(
      entityRef
        ? await applicationsOfEntity(engine, entityRef)
        : await engine.listApplications(),
      query,
    );
    const withErrors = entityRef
      ? [entityRef]
      : annotationErrors.entitiesWithErrors();
    // Permission is asked for the candidates a page needs, not the fleet;
    // the entities with annotation errors are asked about with the first.
    let errorsReadable: ReadonlySet<string> | undefined;
    const page = await readablePageOf(candidates, query, async refs => {
      if (errorsReadable) return access.readable(credentials, refs);
      errorsReadable = await access.readable(credentials, [
        ...refs,
        ...withErrors,
      ]);
      return errorsReadable;
    });
    const readableErrors =
      errorsReadable ?? (await access.readable(credentials, withErrors));
    const body: ApplicationListResponse = {
      ...page,
      errors: annotationErrors
        .errors(withErrors)
        .filter(e => readableErrors.has(e.entityRef)),
    };
    res.json(body);
  });

  router.get('/insights', async (req, res) => {
    res.json(await insights.figures(await credentialsOf(req), req.query));
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
    const body: SyncRequest = req.body ?? {};
    const operation = await mutation(
      req,
      'application-sync',
      { ...body },
      ({ application, initiatedBy }) =>
        startSync(engine, application, body, initiatedBy),
      op => ({ runId: op.runId }),
    );
    res.status(body.dryRun ? 200 : 202).json({ operation });
  });

  router.post('/applications/:id/rollback', async (req, res) => {
    const { runId }: RollbackRequest = req.body;
    const operation = await mutation(
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
      op => ({ runId: op.runId }),
    );
    res.status(202).json({ operation });
  });

  router.post('/applications/:id/refresh', async (req, res) => {
    const application = await mutation(
      req,
      'application-refresh',
      {},
      ({ application: app }) => engine.refresh(app.id),
    );
    res.json(application);
  });

  router.post('/applications/:id/terminate', async (req, res) => {
    const operation = await mutation(
      req,
      'application-terminate',
      {},
      async ({ application, initiatedBy }) =>
        operationOf(await engine.terminate(application.id, initiatedBy), {
          dryRun: false,
          prune: application.policy.prune,
          initiatedBy,
        }),
      op => ({ runId: op.runId }),
    );
    res.status(202).json({ operation });
  });

  /** Suspends or resumes the application's automation, with the reason given. */
  const steer = async (req: express.Request, verb: 'suspend' | 'resume') => {
    const { reason }: AutomationRequest = req.body ?? {};
    const given = reason?.trim() || undefined;
    return mutation(
      req,
      `application-${verb}`,
      { reason: given ?? null },
      ({ application, initiatedBy }) =>
        engine[verb](application.id, { by: initiatedBy, reason: given }),
    );
  };

  router.post('/applications/:id/suspend', async (req, res) => {
    res.json(await steer(req, 'suspend'));
  });

  router.post('/applications/:id/resume', async (req, res) => {
    res.json(await steer(req, 'resume'));
  });

  router.get('/applications/:id/manifests', async (req, res) => {
    const resource = resourceRefFrom(req.query);
    const application = await readable(req);
    res.json(await engine.getManifests(application.id, resource));
  });

  router.get('/applications/:id/events', async (req, res) => {
    const resource = resourceRefFrom(req.query);
    const application = await readable(req);
    res.json({ items: await engine.getEvents(application.id, resource) });
  });

  router.get('/applications/:id/logs', async (req, res) => {
    const request = podLogRequestFrom(req.query);
    const application = await readable(req);
    const text = await engine.getPodLog(application.id, request);
    res.type('text/plain').send(text);
  });

  router.post('/applications/:id/actions', async (req, res) => {
    const request = actionRequestFrom(req.body);
    const result = await mutation(
      req,
      'application-resource-action',
      { ...request, resource: { ...request.resource } },
      ({ application, initiatedBy }) =>
        engine.runResourceAction(application.id, { ...request, initiatedBy }),
      r => ({ runId: r.run.id }),
    );
    res.json(result);
  });

  return router;
}
