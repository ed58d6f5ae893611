import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { MooringPermissionPolicy } from './MooringPermissionPolicy';

const read = createPermission({
  name: 'gitops.application.read',
  attributes: { action: 'read' },
  resourceType: 'catalog-entity',
});
const sync = createPermission({
  name: 'gitops.application.sync',
  attributes: { action: 'update' },
  resourceType: 'catalog-entity',
});

describe('MooringPermissionPolicy', () => {
  const credentials: BackstageCredentials = {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'user', userEntityRef: 'user:default/guest' },
  };
  const userInfo = {
    getUserInfo: jest.fn(async (c: BackstageCredentials) => ({
      userEntityRef: c === credentials ? 'user:default/guest' : 'unknown',
      ownershipEntityRefs:
        c === credentials ? ['user:default/guest', 'group:default/guests'] : [],
    })),
  };
  const policy = new MooringPermissionPolicy(userInfo);
  const guest = {
    credentials,
    info: { userEntityRef: 'user:default/guest', ownershipEntityRefs: [] },
  };

  it('lets everyone read applications and use the rest of Backstage', async () => {
    expect(await policy.handle({ permission: read }, guest)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(
      await policy.handle({
        permission: createPermission({
          name: 'catalog.entity.delete',
          attributes: { action: 'delete' },
          resourceType: 'catalog-entity',
        }),
      }),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it("lets sync only the entity's owners, the user or a group the user is in", async () => {
    expect(await policy.handle({ permission: sync }, guest)).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        resourceType: 'catalog-entity',
        params: {
          claims: ['user:default/guest', 'group:default/guests'],
        },
      },
    });
  });

  it('refuses sync to callers without a user', async () => {
    expect(await policy.handle({ permission: sync })).toEqual({
      result: AuthorizeResult.DENY,
    });
  });
});
