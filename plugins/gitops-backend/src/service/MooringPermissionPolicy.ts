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

/**
 * Mooring's default policy for the Backstage app. Everyone may read everything, Mooring
 * applications included; syncing, rolling back or refreshing an application
 * is for the owners of its catalog entity, directly or through a group they
 * belong to. Service-to-service calls never reach a policy (Backstage allows
 * them), and calls without a user may not sync.
 *
 * @public
 */
export class MooringPermissionPolicy implements PermissionPolicy {
  constructor(private readonly userInfo: UserInfoService) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
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
}

/**
 * Installs {@link MooringPermissionPolicy} as the backend's permission policy.
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
      },
      async init({ policy, userInfo }) {
        policy.setPolicy(new MooringPermissionPolicy(userInfo));
      },
    });
  },
});
