import { parseEntityRef } from '@backstage/catalog-model';
import type { IndexableDocument } from '@backstage/plugin-search-common';
import {
  DEFAULT_TARGET,
  type Application,
} from '@mooring/plugin-gitops-common';

/** The search document type of Mooring applications. */
export const GITOPS_APPLICATION_DOCUMENT_TYPE = 'gitops-application';

/**
 * One Mooring application in the search index: what the search result shows
 * besides the title and text. Every field is always set (empty when unknown),
 * since Lunr takes its fields from the first document it indexes.
 *
 * @public
 */
export interface GitopsApplicationDocument extends IndexableDocument {
  applicationId: string;
  entityRef: string;
  target: string;
  cluster: string;
  namespace: string;
  /** The commit deployed now (full SHA), empty before the first sync. */
  revision: string;
  sync: string;
  health: string;
}

/** The first 7 characters of a commit SHA, the length people recognise. */
function shortSha(sha: string): string {
  return /^[0-9a-f]{40,64}$/i.test(sha) ? sha.slice(0, 7) : sha;
}

/**
 * The entity's Deployments tab; the target is in the query, which also makes
 * the locations of an entity's targets differ (search engines key on it).
 */
export function deploymentsLocation(app: Application): string {
  const { kind, namespace, name } = parseEntityRef(app.entityRef);
  const path = [
    '/catalog',
    encodeURIComponent(namespace.toLocaleLowerCase('en-US')),
    encodeURIComponent(kind.toLocaleLowerCase('en-US')),
    encodeURIComponent(name),
    'deployments',
  ].join('/');
  return app.target === DEFAULT_TARGET
    ? path
    : `${path}?target=${encodeURIComponent(app.target)}`;
}

/**
 * The search document of one application: found by its name, entity ref,
 * cluster, namespace, deployed commit (full or short), branch, sync and
 * health status and status message. Carries the entity ref for search's
 * permission filtering.
 */
export function applicationDocument(
  app: Application,
): GitopsApplicationDocument {
  const { name } = parseEntityRef(app.entityRef);
  const revision = app.status.syncedRevision ?? '';
  const { cluster, namespace } = app.destination;
  const text = [
    `${name} (${app.entityRef}), target ${app.target}:`,
    `cluster ${cluster}, namespace ${namespace}.`,
    revision
      ? `Runs ${shortSha(revision)} (${revision}) of ${app.source.revision}.`
      : `Not synced yet; follows ${app.source.revision}.`,
    `${app.status.sync}, ${app.status.health}.`,
    app.status.message,
  ]
    .filter(Boolean)
    .join(' ');
  return {
    title: app.target === DEFAULT_TARGET ? name : `${name} (${app.target})`,
    text,
    location: deploymentsLocation(app),
    authorization: { resourceRef: app.entityRef },
    applicationId: app.id,
    entityRef: app.entityRef,
    target: app.target,
    cluster,
    namespace,
    revision,
    sync: app.status.sync,
    health: app.status.health,
  };
}
