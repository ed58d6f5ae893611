import { Entity } from '@backstage/catalog-model';

/**
 * Where the entity's `catalog-info.yaml` sits in its repository: the path of
 * the location it was registered from when that is a file view of a hosted
 * repository (`…/blob/<branch>/<path>`, `…/-/blob/…`, `…/src/branch/…`), else
 * the given default (a repository's root `catalog-info.yaml` by convention).
 */
export function catalogInfoPath(entity: Entity, fallback: string): string {
  const annotations = entity.metadata.annotations ?? {};
  // The file the entity was read from; the origin location is what was
  // registered, which may be a list of other files (a Location entity).
  const location =
    annotations['backstage.io/managed-by-location'] ??
    annotations['backstage.io/managed-by-origin-location'] ??
    '';
  const blob =
    /^url:https?:\/\/[^/]+\/.+?\/(?:-\/)?(?:blob|src\/branch)\/[^/]+\/(.+)$/.exec(
      location,
    );
  return blob ? decodeURIComponent(blob[1]) : fallback;
}
