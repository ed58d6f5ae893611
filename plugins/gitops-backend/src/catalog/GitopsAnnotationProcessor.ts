import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
} from '@backstage/plugin-catalog-node';
import {
  Application,
  GitopsTarget,
  parseGitopsAnnotations,
  ParseGitopsAnnotationsOptions,
} from '@mooring/plugin-gitops-common';
import { ANNOTATION_ERROR_NAME, ownerOf } from './entityApplications';

/** An annotation error as the catalog records it on the entity. */
export class MooringAnnotationError extends Error {
  name = ANNOTATION_ERROR_NAME;
}

/**
 * A sync Mooring refuses, as the catalog records it on the entity. Not an
 * annotation error: the application's status already says it on its page.
 */
export class MooringSyncRefusedError extends Error {
  name = 'MooringSyncRefused';
}

/**
 * Checks `mooring.dev/*` annotations while the catalog processes an entity and
 * reports each problem on the entity's processing status, where its owners see
 * it. Like any processing error, it keeps the catalog on the entity's last
 * good version, so a typo never takes a running deployment away.
 */
export class GitopsAnnotationProcessor implements CatalogProcessor {
  constructor(
    private readonly options: () => ParseGitopsAnnotationsOptions,
    /**
     * The applications Mooring runs for an entity, to report the syncs it
     * refuses (tenancy, ownership) on the entity too; errors reading them
     * are ignored (Mooring may not be up yet).
     */
    private readonly applicationsOf?: (
      entityRef: string,
    ) => Promise<Application[]>,
  ) {}

  getProcessorName(): string {
    return 'GitopsAnnotationProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const { errors, targets } = parseGitopsAnnotations(entity, this.options());
    for (const error of errors) {
      emit({
        type: 'error',
        location,
        error: new MooringAnnotationError(error.message),
      });
    }
    if (this.applicationsOf && targets.length) {
      const applications = await this.applicationsOf(
        stringifyEntityRef(entity),
      ).catch(() => []);
      for (const app of applications) {
        const target = targets.find(t => t.target === app.target);
        // Only a refusal of what the entity asks for now: an edit that
        // changes the target or the owner must reach Mooring, which then
        // judges it anew.
        if (
          !app.status.refusal ||
          !target ||
          !sameTarget(target, app) ||
          app.owner !== ownerOf(entity)
        ) {
          continue;
        }
        emit({
          type: 'error',
          location,
          error: new MooringSyncRefusedError(
            `Target ${app.target}: ${app.status.refusal}`,
          ),
        });
      }
    }
    return entity;
  }
}

function sameTarget(target: GitopsTarget, app: Application): boolean {
  return (
    target.cluster === app.destination.cluster &&
    target.namespace === app.destination.namespace &&
    target.repoUrl === app.source.repoUrl &&
    target.path === app.source.path &&
    target.revision === app.source.revision &&
    JSON.stringify(target.helm ?? null) ===
      JSON.stringify(app.source.helm ?? null)
  );
}
