import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  createPermission,
  Permission,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import {
  MooringPermissionPolicy,
  permissionModuleMooringPolicy,
} from './MooringPermissionPolicy';

// The catalog's permissions, as @backstage/plugin-catalog-common defines them.
const locationCreate = createPermission({
  name: 'catalog.location.create',
  attributes: { action: 'create' },
});
const locationDelete = createPermission({
  name: 'catalog.location.delete',
  attributes: { action: 'delete' },
});
const locationRead = createPermission({
  name: 'catalog.location.read',
  attributes: { action: 'read' },
});
const entityCreate = createPermission({
  name: 'catalog.entity.create',
  attributes: { action: 'create' },
});
const entityDelete = createPermission({
  name: 'catalog.entity.delete',
  attributes: { action: 'delete' },
  resourceType: 'catalog-entity',
});
const entityRead = createPermission({
  name: 'catalog.entity.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});
const entityRefresh = createPermission({
  name: 'catalog.entity.refresh',
  attributes: { action: 'update' },
  resourceType: 'catalog-entity',
});

/** Who belongs to which group, as the catalog would say. */
const GROUPS: Record<string, string[]> = {
  'user:default/guest': [],
  'user:default/ada': ['group:default/admins'],
  'user:default/ann': ['group:default/payments'],
  'user:default/pat': ['group:default/Platform-Team'],
};

const userInfo = {
  async getUserInfo(credentials: BackstageCredentials) {
    const ref = (credentials.principal as { userEntityRef: string })
      .userEntityRef;
    return { userEntityRef: ref, ownershipEntityRefs: [ref, ...GROUPS[ref]] };
  },
};

function signedIn(userEntityRef: string): PolicyQueryUser {
  return {
    credentials: {
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef },
    },
    info: { userEntityRef, ownershipEntityRefs: [] },
  } as PolicyQueryUser;
}

const guest = signedIn('user:default/guest');
const ada = signedIn('user:default/ada');
const ann = signedIn('user:default/ann');
const pat = signedIn('user:default/pat');

async function decide(
  policy: PermissionPolicy,
  permission: Permission,
  user?: PolicyQueryUser,
) {
  return (await policy.handle({ permission }, user)).result;
}

describe('MooringPermissionPolicy and the catalog', () => {
  const policy = new MooringPermissionPolicy(userInfo);

  it('lets a member of the admin group register and unregister locations and delete entities', async () => {
    for (const permission of [
      locationCreate,
      locationDelete,
      entityCreate,
      entityDelete,
    ]) {
      expect(await decide(policy, permission, ada)).toBe(AuthorizeResult.ALLOW);
    }
  });

  it('does not let the guest, or any other team, write to the catalog', async () => {
    for (const user of [guest, ann, undefined]) {
      for (const permission of [
        locationCreate,
        locationDelete,
        entityCreate,
        entityDelete,
      ]) {
        expect(await decide(policy, permission, user)).toBe(
          AuthorizeResult.DENY,
        );
      }
    }
  });

  it('lets everyone read the catalog and refresh entities', async () => {
    for (const user of [guest, ann, ada]) {
      for (const permission of [locationRead, entityRead, entityRefresh]) {
        expect(await decide(policy, permission, user)).toBe(
          AuthorizeResult.ALLOW,
        );
      }
    }
  });

  it('takes the admin groups it is given, as entity refs compared without case', async () => {
    const custom = new MooringPermissionPolicy(userInfo, {
      adminGroups: ['platform-team'],
    });
    expect(await decide(custom, locationCreate, pat)).toBe(
      AuthorizeResult.ALLOW,
    );
    expect(await decide(custom, locationCreate, ada)).toBe(
      AuthorizeResult.DENY,
    );
  });
});

describe('permissionModuleMooringPolicy', () => {
  /** Starts the module with this config and returns the policy it installs. */
  async function installedPolicy(config: object): Promise<PermissionPolicy> {
    let installed: PermissionPolicy | undefined;
    // Stands in for the permission backend: only the extension point is needed.
    const permissionPlugin = createBackendPlugin({
      pluginId: 'permission',
      register(env) {
        env.registerExtensionPoint(policyExtensionPoint, {
          setPolicy(policy: PermissionPolicy) {
            installed = policy;
          },
        });
        env.registerInit({ deps: {}, async init() {} });
      },
    });
    const backend = await startTestBackend({
      features: [
        permissionPlugin,
        permissionModuleMooringPolicy,
        mockServices.rootConfig.factory({ data: config }),
        mockServices.userInfo.mock(userInfo).factory,
      ],
    });
    await backend.stop();
    if (!installed) throw new Error('The module installed no policy');
    return installed;
  }

  it('reads gitops.permissions.adminGroups', async () => {
    const policy = await installedPolicy({
      gitops: { permissions: { adminGroups: ['group:default/platform-team'] } },
    });
    expect(await decide(policy, locationCreate, pat)).toBe(
      AuthorizeResult.ALLOW,
    );
    expect(await decide(policy, locationCreate, ada)).toBe(
      AuthorizeResult.DENY,
    );
  });

  it('keeps catalog writes to group:default/admins without config', async () => {
    const policy = await installedPolicy({});
    expect(await decide(policy, locationDelete, ada)).toBe(
      AuthorizeResult.ALLOW,
    );
    expect(await decide(policy, locationDelete, guest)).toBe(
      AuthorizeResult.DENY,
    );
  });
});
