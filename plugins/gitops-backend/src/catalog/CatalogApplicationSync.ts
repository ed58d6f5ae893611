import type { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ANNOTATION_CLUSTER,
  ANNOTATION_PATH,
  ANNOTATION_TARGETS,
  EntityAnnotationError,
  ParseGitopsAnnotationsOptions,
} from '@mooring/plugin-gitops-common';
import type { ApplicationSpec, GitopsEngine } from '../engine/types';
import { entityApplications, EntityApplications } from './entityApplications';

interface EntityRecord extends EntityApplications {
  owners: string[];
}

/**
 * Keeps the engine's applications equal to what the catalog's entities ask
 * for: each run reads every onboarded entity and hands the engine the whole
 * set when it changed. New, edited and removed entities thus become new,
 * changed and removed applications at the next run.
 */
export class CatalogApplicationSync {
  private entities = new Map<string, EntityRecord>();
  private lastSpecs: string | undefined;

  constructor(
    private readonly deps: {
      catalog: CatalogService;
      auth: AuthService;
      engine: Pick<GitopsEngine, 'setApplications'>;
      logger: LoggerService;
      parseOptions: () => ParseGitopsAnnotationsOptions;
    },
  ) {}

  /** Reads the catalog and updates the engine; returns the specs now in force. */
  async run(): Promise<ApplicationSpec[]> {
    const { catalog, auth, engine, logger } = this.deps;
    const { items } = await catalog.getEntities(
      {
        filter: [ANNOTATION_CLUSTER, ANNOTATION_PATH, ANNOTATION_TARGETS].map(
          key => ({ [`metadata.annotations.${key}`]: CATALOG_FILTER_EXISTS }),
        ),
        fields: [
          'kind',
          'metadata.namespace',
          'metadata.name',
          'metadata.annotations',
          'relations',
          'spec.owner',
          'status',
        ],
      },
      { credentials: await auth.getOwnServiceCredentials() },
    );

    const options = this.deps.parseOptions();
    const next = new Map<string, EntityRecord>();
    for (const entity of items) {
      const record = {
        ...entityApplications(entity, options),
        owners: ownersOf(entity),
      };
      next.set(record.entityRef, record);
    }
    this.entities = next;

    const specs = [...next.values()]
      .flatMap(r => r.specs)
      .sort((a, b) => a.id.localeCompare(b.id));
    const serialized = JSON.stringify(specs);
    if (serialized !== this.lastSpecs) {
      await engine.setApplications(specs);
      logger.info(
        `Following ${specs.length} application(s) from ${
          next.size
        } catalog entit${next.size === 1 ? 'y' : 'ies'}`,
      );
      this.lastSpecs = serialized;
    }
    return specs;
  }

  /** Annotation errors of the given entities (all onboarded entities without a filter). */
  errors(entityRefs?: Iterable<string>): EntityAnnotationError[] {
    const refs = entityRefs ? [...entityRefs] : [...this.entities.keys()];
    return refs.flatMap(ref => this.entities.get(ref)?.errors ?? []);
  }

  /** Entity refs of onboarded entities that have annotation errors. */
  entitiesWithErrors(): string[] {
    return [...this.entities.values()]
      .filter(r => r.errors.length > 0)
      .map(r => r.entityRef);
  }

  /** The owners (users or groups) of an onboarded entity. */
  owners(entityRef: string): string[] {
    return this.entities.get(entityRef)?.owners ?? [];
  }
}

function ownersOf(entity: Entity): string[] {
  const fromRelations = (entity.relations ?? [])
    .filter(r => r.type === RELATION_OWNED_BY)
    .map(r => r.targetRef);
  if (fromRelations.length > 0) {
    return [...new Set(fromRelations)];
  }
  const owner = (entity.spec as { owner?: unknown } | undefined)?.owner;
  if (typeof owner !== 'string' || !owner) {
    return [];
  }
  // The catalog resolves `spec.owner` into relations; this covers entities
  // read before it did, with the catalog's defaults.
  return [
    stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata.namespace ?? 'default',
      }),
    ),
  ];
}
