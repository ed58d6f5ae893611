import type { Application } from '@mooring/plugin-gitops-common';
import type { GitopsEngine } from '../engine/types';

/**
 * Every application (one per target) of an entity. Entity refs compare
 * case-insensitively, as in the catalog.
 */
export async function applicationsOfEntity(
  engine: Pick<GitopsEngine, 'listApplications'>,
  entityRef: string,
): Promise<Application[]> {
  const wanted = entityRef.toLocaleLowerCase('en-US');
  return (await engine.listApplications()).filter(
    app => app.entityRef.toLocaleLowerCase('en-US') === wanted,
  );
}
