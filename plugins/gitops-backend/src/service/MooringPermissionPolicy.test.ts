import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Entity, RELATION_OWNED_BY } from '@backstage/catalog-model';
import {
  AuthorizeResult,
  Permission,
  PolicyDecision,
  createPermission,
} from '@backstage/plugin-permission-common';
import type { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  gitopsApplicationReadPermission,
  gitopsApplicationSyncPermission,
} from '@mooring/plugin-gitops-common';
import { MooringPermissionPolicy } from './MooringPermissionPolicy';

/** Who belongs to which group, as the catalog would say. */
const GROUPS: Record<string, string[]> = {
  'user:default/ann': ['group:default/payments'],
  'user:default/bob': ['group:default/search'],
  'user:default/cy': [],
};

function signedIn(userEntityRef: string): PolicyQueryUser {
  const credentials: BackstageCredentials = {
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'user', userEntityRef },
  };
  return {
    credentials,
    info: { userEntityRef, ownershipEntityRefs: [] },
  } as PolicyQueryUser;
}

const ann = signedIn('user:default/ann');
const bob = signedIn('user:default/bob');
const cy = signedIn('user:default/cy');

function component(name: string, owner: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default' },
    spec: { owner },
    relations: [{ type: RELATION_OWNED_BY, targetRef: owner }],
  };
}

/** Owned by Ann's group. */
const shop = component('shop', 'group:default/payments');
/** Owned by Cy alone. */
const notes = component('notes', 'user:default/cy');

const policy = new MooringPermissionPolicy({
  async getUserInfo(credentials: BackstageCredentials) {
    const ref = (credentials.principal as { userEntityRef: string })
      .userEntityRef;
    return { userEntityRef: ref, ownershipEntityRefs: [ref, ...GROUPS[ref]] };
  },
});

/**
 * Whether `user` may use `permission` on `entity`, settling a conditional
 * decision as the catalog does for its IS_ENTITY_OWNER rule: the entity's
 * ownedBy relations must hold one of the claims.
 */
async function allowed(
  permission: Permission,
  entity: Entity,
  user?: PolicyQueryUser,
): Promise<boolean> {
  const decision: PolicyDecision = await policy.handle({ permission }, user);
  if (decision.result !== AuthorizeResult.CONDITIONAL) {
    return decision.result === AuthorizeResult.ALLOW;
  }
  expect(decision).toMatchObject({
    pluginId: 'catalog',
    resourceType: 'catalog-entity',
  });
  const condition = decision.conditions;
  if (!('rule' in condition) || condition.rule !== 'IS_ENTITY_OWNER') {
    throw new Error(
      `This test settles only IS_ENTITY_OWNER, not ${JSON.stringify(
        condition,
      )}`,
    );
  }
  const claims = (condition.params as { claims: string[] }).claims;
  return (entity.relations ?? []).some(
    relation =>
      relation.type === RELATION_OWNED_BY &&
      claims.includes(relation.targetRef),
  );
}

describe('MooringPermissionPolicy', () => {
  const sync = gitopsApplicationSyncPermission;
  const read = gitopsApplicationReadPermission;

  it('lets a member of the owning group sync', async () => {
    expect(await allowed(sync, shop, ann)).toBe(true);
  });

  it('lets a user who owns the entity directly sync', async () => {
    expect(await allowed(sync, notes, cy)).toBe(true);
  });

  it('does not let anyone else sync', async () => {
    expect(await allowed(sync, shop, bob)).toBe(false);
    expect(await allowed(sync, shop, cy)).toBe(false);
    expect(await allowed(sync, notes, ann)).toBe(false);
  });

  it('does not let a caller without a user sync', async () => {
    expect(await allowed(sync, shop)).toBe(false);
  });

  it('lets everyone read every application', async () => {
    for (const user of [ann, bob, cy, undefined]) {
      for (const entity of [shop, notes]) {
        expect(await allowed(read, entity, user)).toBe(true);
      }
    }
  });

  // Catalog writes, kept to admins, are tested in MooringPermissionPolicy.catalog.test.ts.
  it('leaves the rest of Backstage open', async () => {
    const refreshEntity = createPermission({
      name: 'catalog.entity.refresh',
      attributes: { action: 'update' },
      resourceType: 'catalog-entity',
    });
    expect(await allowed(refreshEntity, shop, bob)).toBe(true);
  });
});
