import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  applicationId,
  EntityAnnotationError,
  parseGitopsAnnotations,
  ParseGitopsAnnotationsOptions,
} from '@mooring/plugin-gitops-common';
import type { ApplicationSpec } from '../engine/types';

/** The name the annotation processor gives its errors, so they can be found again. */
export const ANNOTATION_ERROR_NAME = 'MooringAnnotationError';

/** What one catalog entity asks of Mooring. */
export interface EntityApplications {
  entityRef: string;
  specs: ApplicationSpec[];
  errors: EntityAnnotationError[];
}

/**
 * The entity's owner as the catalog resolves `spec.owner`: kind group and the
 * entity's own namespace unless given (`payments` on an entity in namespace
 * `team-x` is `group:team-x/payments`); undefined when it names none.
 */
export function ownerOf(entity: Entity): string | undefined {
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || !owner) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace ?? 'default',
      }),
    );
  } catch {
    return owner;
  }
}

/** Turns an entity's annotations into application specs and errors. Pure. */
export function entityApplications(
  entity: Entity,
  options: ParseGitopsAnnotationsOptions,
): EntityApplications {
  const entityRef = stringifyEntityRef(entity);
  const { targets, errors } = parseGitopsAnnotations(entity, options);
  return {
    entityRef,
    specs: targets.map(t => ({
      id: applicationId(entityRef, t.target),
      entityRef,
      ...(ownerOf(entity) ? { owner: ownerOf(entity) } : {}),
      target: t.target,
      source: {
        repoUrl: t.repoUrl,
        path: t.path,
        revision: t.revision,
        ...(t.helm ? { helm: t.helm } : {}),
      },
      destination: { cluster: t.cluster, namespace: t.namespace },
      policy: {
        sync: t.sync,
        prune: t.prune,
        selfHeal: t.selfHeal,
        pruneOnRemove: t.pruneOnRemove,
      },
      ...(t.ignoreDifferences
        ? { ignoreDifferences: t.ignoreDifferences }
        : {}),
    })),
    errors: [
      ...errors.map(e => ({ entityRef, ...e })),
      ...processingErrors(entity, entityRef),
    ],
  };
}

/**
 * Annotation errors the catalog module reported on a later edit of the entity.
 * The catalog keeps the last good version of an entity whose processing fails,
 * so the annotations read here may be fine while the edit that is waiting is not.
 */
function processingErrors(
  entity: Entity,
  entityRef: string,
): EntityAnnotationError[] {
  // `status` is set by the catalog (see AlphaEntity of catalog-model).
  const status = (entity as { status?: { items?: unknown[] } }).status;
  const items = (status?.items ?? []) as Array<{
    type?: string;
    message?: string;
    error?: { name?: string; message?: string };
  }>;
  return items
    .filter(
      item =>
        item.type === 'backstage.io/catalog-processing' &&
        item.error?.name === ANNOTATION_ERROR_NAME,
    )
    .map(item => ({
      entityRef,
      annotation: annotationOf(item.error?.message ?? ''),
      message: `The catalog did not accept the latest edit of this entity: ${
        item.error?.message ?? item.message
      }`,
    }));
}

function annotationOf(message: string): string {
  return /(mooring\.dev\/[a-z-]+(?:\.[a-z0-9-]+)?)/.exec(message)?.[1] ?? '';
}
