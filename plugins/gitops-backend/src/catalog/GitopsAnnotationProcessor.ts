import type { Entity } from '@backstage/catalog-model';
import type {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
} from '@backstage/plugin-catalog-node';
import {
  parseGitopsAnnotations,
  ParseGitopsAnnotationsOptions,
} from '@mooring/plugin-gitops-common';
import { ANNOTATION_ERROR_NAME } from './entityApplications';

/** An annotation error as the catalog records it on the entity. */
export class MooringAnnotationError extends Error {
  name = ANNOTATION_ERROR_NAME;
}

/**
 * Checks `mooring.dev/*` annotations while the catalog processes an entity and
 * reports each problem on the entity's processing status, where its owners see
 * it. Like any processing error, it keeps the catalog on the entity's last
 * good version, so a typo never takes a running deployment away.
 */
export class GitopsAnnotationProcessor implements CatalogProcessor {
  constructor(private readonly options: () => ParseGitopsAnnotationsOptions) {}

  getProcessorName(): string {
    return 'GitopsAnnotationProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const { errors } = parseGitopsAnnotations(entity, this.options());
    for (const error of errors) {
      emit({
        type: 'error',
        location,
        error: new MooringAnnotationError(error.message),
      });
    }
    return entity;
  }
}
