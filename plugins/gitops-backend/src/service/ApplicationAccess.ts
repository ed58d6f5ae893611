import type {
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  gitopsApplicationReadPermission,
  gitopsApplicationSyncPermission,
} from '@mooring/plugin-gitops-common';

/**
 * Mooring's permissions are resource permissions on the application's catalog
 * entity, so the policy can decide by ownership. Every route and action asks
 * here. Reading an application (its status, diff, resources and history)
 * also takes reading its entity in the catalog (`catalog.entity.read`), so
 * whoever may not see an entity sees none of its deployments.
 */
export class ApplicationAccess {
  constructor(
    private readonly permissions: PermissionsService,
    private readonly auth: AuthService,
  ) {}

  /**
   * The entity refs, of those given, the caller may read. One authorize call
   * for all of them, however many there are.
   */
  async readable(
    credentials: BackstageCredentials,
    entityRefs: Iterable<string>,
  ): Promise<Set<string>> {
    const refs = [...new Set(entityRefs)];
    if (refs.length === 0) {
      return new Set();
    }
    const decisions = await this.permissions.authorize(
      refs.flatMap(resourceRef => [
        { permission: gitopsApplicationReadPermission, resourceRef },
        { permission: catalogEntityReadPermission, resourceRef },
      ]),
      { credentials },
    );
    return new Set(
      refs.filter(
        (_, i) =>
          decisions[2 * i].result === AuthorizeResult.ALLOW &&
          decisions[2 * i + 1].result === AuthorizeResult.ALLOW,
      ),
    );
  }

  /** Throws `NotAllowedError` unless the caller may read the application. */
  async requireRead(
    credentials: BackstageCredentials,
    application: { id: string; entityRef: string },
  ): Promise<void> {
    for (const permission of [
      gitopsApplicationReadPermission,
      catalogEntityReadPermission,
    ]) {
      await this.require(credentials, permission, application, 'read');
    }
  }

  /** Throws `NotAllowedError` unless the caller may sync, roll back or refresh the application. */
  async requireSync(
    credentials: BackstageCredentials,
    application: { id: string; entityRef: string },
  ): Promise<void> {
    await this.require(
      credentials,
      gitopsApplicationSyncPermission,
      application,
      'sync, roll back or refresh',
    );
  }

  /** Who the engine records as having started an operation. */
  initiator(credentials: BackstageCredentials): string {
    if (this.auth.isPrincipal(credentials, 'user')) {
      return credentials.principal.userEntityRef;
    }
    if (this.auth.isPrincipal(credentials, 'service')) {
      return `service:${credentials.principal.subject}`;
    }
    return 'unknown';
  }

  private async require(
    credentials: BackstageCredentials,
    permission: ResourcePermission<'catalog-entity'>,
    application: { id: string; entityRef: string },
    verb: string,
  ) {
    const [decision] = await this.permissions.authorize(
      [{ permission, resourceRef: application.entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not ${verb} application '${application.id}': ${permission.name} on ${application.entityRef} is denied; ask the owners of ${application.entityRef} for access`,
      );
    }
  }
}
