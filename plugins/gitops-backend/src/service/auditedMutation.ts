import type {
  AuditorService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import type { JsonObject } from '@backstage/types';
import type { Application } from '@mooring/plugin-gitops-common';
import type { Request } from 'express';
import type { ApplicationAccess } from './ApplicationAccess';

/** What a mutation of one application needs, from the REST API or an action. */
export interface AuditedMutationOptions<T> {
  auditor: AuditorService;
  access: ApplicationAccess;
  credentials: BackstageCredentials;
  /** The audit event, e.g. `application-sync`. */
  eventId: string;
  /** The HTTP request, when there is one (the auditor reads the actor from it). */
  request?: Request;
  /** What was asked for: the application as given, the request body. */
  meta: JsonObject;
  /** Finds the application; an unknown one fails the event. */
  findApplication: () => Promise<Application>;
  mutate: (context: {
    application: Application;
    initiatedBy: string;
  }) => Promise<T>;
  /** What the result adds to a successful event, e.g. the run id. */
  resultMeta?: (result: T) => JsonObject;
}

/**
 * Syncs, rollbacks and refreshes, wherever they come from, run through here:
 * the caller must hold `gitops.application.sync` on the application's entity,
 * and every attempt is one audit event saying who asked, on which
 * application, with what, and whether it was allowed and worked.
 */
export async function auditedMutation<T>(
  options: AuditedMutationOptions<T>,
): Promise<T> {
  const { auditor, access, credentials } = options;
  const initiatedBy = access.initiator(credentials);
  const event = await auditor.createEvent({
    eventId: options.eventId,
    request: options.request,
    severityLevel: 'medium',
    meta: { initiatedBy, ...options.meta },
  });
  try {
    const application = await options.findApplication();
    await access.requireSync(credentials, application);
    const result = await options.mutate({ application, initiatedBy });
    await event.success({
      meta: {
        applicationId: application.id,
        entityRef: application.entityRef,
        ...options.resultMeta?.(result),
      },
    });
    return result;
  } catch (error) {
    await event.fail({ error: error as Error });
    throw error;
  }
}
