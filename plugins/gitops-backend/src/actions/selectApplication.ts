import { NotFoundError, InputError, isError } from '@backstage/errors';
import {
  Application,
  applicationId,
  DEFAULT_TARGET,
} from '@mooring/plugin-gitops-common';
import type { GitopsEngine } from '../engine/types';
import { applicationsOfEntity } from '../service/applicationsOfEntity';
import { normalizeEntityRef } from '../service/normalizeEntityRef';
import type { RegistryZod } from './GitopsActionOptions';

/** How an action's caller names an application. */
interface ApplicationSelector {
  applicationId?: string;
  entityRef?: string;
  target?: string;
}

type OptionalString = ReturnType<ReturnType<RegistryZod['string']>['optional']>;

/**
 * The input fields every action uses to pick an application: its id, or the
 * entity ref and (optionally) the target.
 */
export function applicationSelectorFields(z: RegistryZod): {
  applicationId: OptionalString;
  entityRef: OptionalString;
  target: OptionalString;
} {
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

/**
 * The application an action's input names, by id or by entity ref and target.
 * An unknown one is a `NotFoundError` that says which targets the entity has.
 */
export async function selectApplication(
  engine: Pick<GitopsEngine, 'getApplication' | 'listApplications'>,
  input: ApplicationSelector,
): Promise<Application> {
  if (input.applicationId) {
    return engine.getApplication(input.applicationId);
  }
  if (!input.entityRef) {
    throw new InputError('Give applicationId, or entityRef (and target)');
  }
  const ref = normalizeEntityRef(input.entityRef);
  const target = input.target ?? DEFAULT_TARGET;
  try {
    return await engine.getApplication(applicationId(ref, target));
  } catch (error) {
    if (!isError(error) || error.name !== 'NotFoundError') {
      throw error;
    }
    const targets = (await applicationsOfEntity(engine, ref)).map(
      a => a.target,
    );
    throw new NotFoundError(
      targets.length
        ? `${ref} has no target '${target}'; its targets: ${targets.join(', ')}`
        : notOnboarded(ref),
    );
  }
}

/** Why an entity has no application. */
export function notOnboarded(entityRef: string): string {
  return `${entityRef} is not onboarded to Mooring (no mooring.dev annotations, or they have errors)`;
}
