import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { gitopsApplicationSyncPermission } from '@mooring/plugin-gitops-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { ownerEntityRef } from '../tenancy/ownerEntityRef';

/**
 * Catalog permissions that change what the catalog holds, by the names of
 * `@backstage/plugin-catalog-common`. Registering a location makes its
 * entities (and their owners) real; unregistering or deleting another team's
 * entity removes its applications, whose prune-on-remove then deletes
 * workloads. The catalog's actions (`register-entity`, `unregister-entity`)
 * call the catalog with the user's credentials, so these cover them too.
 */
const CATALOG_WRITE_PERMISSIONS = new Set([
  'catalog.location.create',
  'catalog.location.delete',
  'catalog.entity.create',
  'catalog.entity.delete',
  'catalog.ingestion.manage',
]);

/** The admin groups without `gitops.permissions.adminGroups`. */
const DEFAULT_ADMIN_GROUPS = ['group:default/admins'];

/** Options of {@link MooringPermissionPolicy}. @public */
export interface MooringPermissionPolicyOptions {
  /**
   * Entity refs of the groups (or users) whose members may write to the
   * catalog; default `group:default/admins`.
   */
  adminGroups?: string[];
}

/**
 * Mooring's default policy for the Backstage app. Everyone may read everything, Mooring
 * applications included; syncing, rolling back or refreshing an application
 * is for the owners of its catalog entity, directly or through a group they
 * belong to. Writing to the catalog (registering and unregistering locations,
 * creating and deleting entities) is for members of the admin groups only,
 * since who registers a component decides who owns it. Service-to-service
 * calls never reach a policy (Backstage allows them); calls without a user
 * may neither sync nor write to the catalog.
 *
 * @public
 */
export class MooringPermissionPolicy implements PermissionPolicy {
  private readonly adminGroups: Set<string>;

  constructor(
    private readonly userInfo: UserInfoService,
    options: MooringPermissionPolicyOptions = {},
  ) {
    this.adminGroups = new Set(
      (options.adminGroups ?? DEFAULT_ADMIN_GROUPS).map(ownerEntityRef),
    );
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    if (CATALOG_WRITE_PERMISSIONS.has(permission.name)) {
      return (await this.isAdmin(user))
        ? { result: AuthorizeResult.ALLOW }
        : { result: AuthorizeResult.DENY };
    }
    if (permission.name === gitopsApplicationSyncPermission.name) {
      if (!user || !isResourcePermission(permission, 'catalog-entity')) {
        return { result: AuthorizeResult.DENY };
      }
      const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
        user.credentials,
      );
      // The catalog's own IS_ENTITY_OWNER rule (`catalogConditions.isEntityOwner`
      // of plugin-catalog-backend): the catalog resolves it against the entity's
      // ownedBy relations, in bulk when many entities are asked about at once.
      return {
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: { claims: ownershipEntityRefs },
        },
      };
    }
    return { result: AuthorizeResult.ALLOW };
  }

  private async isAdmin(user?: PolicyQueryUser): Promise<boolean> {
    if (!user) return false;
    const { ownershipEntityRefs } = await this.userInfo.getUserInfo(
      user.credentials,
    );
    return ownershipEntityRefs.some(ref =>
      this.adminGroups.has(ref.toLocaleLowerCase('en-US')),
    );
  }
}

/**
 * Installs {@link MooringPermissionPolicy} as the backend's permission policy,
 * with the admin groups of `gitops.permissions.adminGroups`.
 *
 * @public
 */
export const permissionModuleMooringPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'mooring-policy',
  register(env) {
    env.registerInit({
      deps: {
        policy: policyExtensionPoint,
        userInfo: coreServices.userInfo,
        config: coreServices.rootConfig,
      },
      async init({ policy, userInfo, config }) {
        const adminGroups = config.getOptionalStringArray(
          'gitops.permissions.adminGroups',
        );
        policy.setPolicy(
          new MooringPermissionPolicy(userInfo, { adminGroups }),
        );
      },
    });
  },
});
