import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AuthService,
  BackstageCredentials,
  coreServices,
  createBackendModule,
  createServiceFactory,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  catalogLocationsExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import request from 'supertest';
import { permissionModuleMooringPolicy } from './MooringPermissionPolicy';

/*
 * The catalog, the permission backend and Mooring's policy module in one
 * backend, with the permission framework on: what the catalog API lets a
 * member of the admin group and a guest do.
 */

const ORG = `
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: admins }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: guests }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ada }
spec: { memberOf: [admins] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: guest }
spec: { memberOf: [guests] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: payments }
spec: { type: service, lifecycle: production, owner: group:default/guests }
`;

const component = (name: string) => `
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ${name} }
spec: { type: service, lifecycle: production, owner: group:default/admins }
`;

/**
 * Resolves a user's ownership refs as the auth backend's catalog sign-in
 * resolvers do: the user and the targets of its memberOf relations in the
 * catalog.
 */
const catalogUserInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: { catalog: catalogServiceRef, auth: coreServices.auth },
  factory: ({ catalog, auth }) => ({
    async getUserInfo(credentials) {
      const principal = credentials.principal as {
        type: string;
        userEntityRef?: string;
      };
      if (principal.type !== 'user' || !principal.userEntityRef) {
        throw new Error(`No user info for a ${principal.type} principal`);
      }
      const user = await catalog.getEntityByRef(principal.userEntityRef, {
        credentials: await auth.getOwnServiceCredentials(),
      });
      const groups = (user?.relations ?? [])
        .filter(r => r.type === 'memberOf')
        .map(r => r.targetRef);
      return {
        userEntityRef: principal.userEntityRef,
        ownershipEntityRefs: [principal.userEntityRef, ...groups],
      };
    },
  }),
});

/*
 * A plugin calling another on behalf of a user sends a token the receiver
 * reads as the user with the calling plugin as actor, and the permission
 * backend answers conditional (resource) queries only to such callers. The
 * mock auth services drop the actor; these keep it, the caller's plugin
 * riding in the mock token's subject.
 */
const MOCK_SERVICE_TOKEN_PREFIX = 'mock-service-token:';

function withActor(
  token: string | undefined,
  credentials: BackstageCredentials,
): BackstageCredentials {
  if (!token?.startsWith(MOCK_SERVICE_TOKEN_PREFIX)) return credentials;
  const { sub, obo } = JSON.parse(
    token.slice(MOCK_SERVICE_TOKEN_PREFIX.length),
  );
  return obo && sub
    ? mockCredentials.user(obo, { actor: { subject: sub } })
    : credentials;
}

const authWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): AuthService {
    const auth = mockServices.auth({ pluginId: plugin.getId() });
    return {
      async authenticate(token, options) {
        return withActor(token, await auth.authenticate(token, options));
      },
      getNoneCredentials: () => auth.getNoneCredentials(),
      getOwnServiceCredentials: () => auth.getOwnServiceCredentials(),
      isPrincipal: auth.isPrincipal.bind(auth) as AuthService['isPrincipal'],
      async getPluginRequestToken(options) {
        const { token } = await auth.getPluginRequestToken(options);
        if (!token.startsWith(MOCK_SERVICE_TOKEN_PREFIX)) return { token };
        const claims = JSON.parse(
          token.slice(MOCK_SERVICE_TOKEN_PREFIX.length),
        );
        if (!claims.obo) return { token };
        return {
          token: `${MOCK_SERVICE_TOKEN_PREFIX}${JSON.stringify({
            ...claims,
            sub: `plugin:${plugin.getId()}`,
          })}`,
        };
      },
      getLimitedUserToken: credentials => auth.getLimitedUserToken(credentials),
      listPublicServiceKeys: () => auth.listPublicServiceKeys(),
    };
  },
});

const httpAuthWithActors = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): HttpAuthService {
    const httpAuth = mockServices.httpAuth({ pluginId: plugin.getId() });
    return {
      async credentials(req, options) {
        const header = req.headers.authorization;
        const token =
          typeof header === 'string'
            ? header.match(/^Bearer[ ]+(\S+)$/i)?.[1]
            : undefined;
        const credentials = await httpAuth.credentials(req, options);
        return withActor(token, credentials) as typeof credentials;
      },
      issueUserCookie: (res, options) => httpAuth.issueUserCookie(res, options),
    };
  },
});

/** Lets locations of type `file` be registered through the API. */
const catalogModuleFileLocations = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'file-locations',
  register(env) {
    env.registerInit({
      deps: { locations: catalogLocationsExtensionPoint },
      async init({ locations }) {
        locations.setAllowedLocationTypes(['url', 'file']);
      },
    });
  },
});

const guest = mockCredentials.user.header('user:default/guest');
const ada = mockCredentials.user.header('user:default/ada');

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

jest.setTimeout(60_000);

describe('catalog writes through the catalog API under the Mooring policy', () => {
  let dir: string;
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let server: Awaited<ReturnType<typeof startTestBackend>>['server'];

  /** The entity of this ref once the catalog has processed and stitched it. */
  async function entityOf(ref: string, relation?: string): Promise<Entity> {
    const [kind, rest] = ref.split(':');
    const [namespace, name] = rest.split('/');
    return eventually(ref, async () => {
      const res = await request(server)
        .get(`/api/catalog/entities/by-name/${kind}/${namespace}/${name}`)
        .set('Authorization', ada);
      if (res.status !== 200) return undefined;
      const entity = res.body as Entity;
      if (relation && !entity.relations?.some(r => r.type === relation)) {
        return undefined;
      }
      return entity;
    });
  }

  async function locationTargets(): Promise<string[]> {
    const res = await request(server)
      .get('/api/catalog/locations')
      .set('Authorization', ada);
    expect(res.status).toBe(200);
    return res.body.map((l: { data: { target: string } }) => l.data.target);
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-catalog-'));
    fs.writeFileSync(path.join(dir, 'org.yaml'), ORG);
    fs.writeFileSync(path.join(dir, 'dry.yaml'), component('dry'));
    fs.writeFileSync(path.join(dir, 'ledger.yaml'), component('ledger'));
    fs.writeFileSync(path.join(dir, 'vault.yaml'), component('vault'));
    fs.writeFileSync(path.join(dir, 'kept.yaml'), component('kept'));

    backend = await startTestBackend({
      features: [
        catalogPlugin,
        permissionPlugin,
        permissionModuleMooringPolicy,
        catalogModuleFileLocations,
        catalogUserInfo,
        authWithActors,
        httpAuthWithActors,
        mockServices.rootConfig.factory({
          data: {
            backend: {
              database: { client: 'better-sqlite3', connection: ':memory:' },
            },
            permission: { enabled: true },
            catalog: {
              rules: [{ allow: ['User', 'Group', 'Component', 'Location'] }],
              locations: [
                { type: 'file', target: path.join(dir, 'org.yaml') },
                { type: 'file', target: path.join(dir, 'vault.yaml') },
              ],
            },
          },
        }),
      ],
    });
    server = backend.server;

    await entityOf('user:default/ada', 'memberOf');
    await entityOf('user:default/guest', 'memberOf');
  });

  afterAll(async () => {
    await backend?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves the users’ groups from the catalog', async () => {
    const ada_ = await entityOf('user:default/ada', 'memberOf');
    const guest_ = await entityOf('user:default/guest', 'memberOf');
    expect(
      ada_.relations?.filter(r => r.type === 'memberOf').map(r => r.targetRef),
    ).toEqual(['group:default/admins']);
    expect(
      guest_.relations
        ?.filter(r => r.type === 'memberOf')
        .map(r => r.targetRef),
    ).toEqual(['group:default/guests']);
  });

  it('lets the guest read the catalog', async () => {
    const res = await request(server)
      .get('/api/catalog/entities')
      .set('Authorization', guest);
    expect(res.status).toBe(200);
    const names = (res.body as Entity[]).map(e => e.metadata.name);
    expect(names).toEqual(
      expect.arrayContaining(['ada', 'guest', 'admins', 'guests', 'payments']),
    );
  });

  it('refuses the guest registering a url location, and registers nothing', async () => {
    const before = await locationTargets();
    const target = 'https://example.com/catalog-info.yaml';
    for (const dryRun of [false, true]) {
      const res = await request(server)
        .post(`/api/catalog/locations${dryRun ? '?dryRun=true' : ''}`)
        .set('Authorization', guest)
        .send({ type: 'url', target });
      expect(res.status).toBe(403);
      expect(res.body.error.name).toBe('NotAllowedError');
    }
    expect(await locationTargets()).toEqual(before);
  });

  it('refuses the guest registering a file location, and registers nothing', async () => {
    const before = await locationTargets();
    const target = path.join(dir, 'ledger.yaml');
    const res = await request(server)
      .post('/api/catalog/locations')
      .set('Authorization', guest)
      .send({ type: 'file', target });
    expect(res.status).toBe(403);
    expect(res.body.error.name).toBe('NotAllowedError');
    expect(await locationTargets()).toEqual(before);
    expect(before).not.toContain(target);
  });

  it('refuses the guest unregistering an existing location', async () => {
    const target = path.join(dir, 'kept.yaml');
    const created = await request(server)
      .post('/api/catalog/locations')
      .set('Authorization', ada)
      .send({ type: 'file', target });
    expect(created.status).toBe(201);
    const list = await request(server)
      .get('/api/catalog/locations')
      .set('Authorization', guest);
    expect(list.status).toBe(200);
    expect(list.body.map((l: { data: { id: string } }) => l.data.id)).toContain(
      created.body.location.id,
    );

    const res = await request(server)
      .delete(`/api/catalog/locations/${created.body.location.id}`)
      .set('Authorization', guest);
    expect(res.status).toBe(403);
    expect(res.body.error.name).toBe('NotAllowedError');
    expect(await locationTargets()).toContain(target);
  });

  it('refuses the guest deleting an entity, even one its group owns', async () => {
    const payments = await entityOf('component:default/payments');
    const res = await request(server)
      .delete(`/api/catalog/entities/by-uid/${payments.metadata.uid}`)
      .set('Authorization', guest);
    expect(res.status).toBe(403);
    expect(res.body.error.name).toBe('NotAllowedError');
    const after = await request(server)
      .get(`/api/catalog/entities/by-uid/${payments.metadata.uid}`)
      .set('Authorization', guest);
    expect(after.status).toBe(200);
  });

  it('lets the admin dry-run a file location', async () => {
    const target = path.join(dir, 'dry.yaml');
    const res = await request(server)
      .post('/api/catalog/locations?dryRun=true')
      .set('Authorization', ada)
      .send({ type: 'file', target });
    expect(res.status).toBe(201);
    expect(res.body.entities.map((e: Entity) => e.metadata.name)).toContain(
      'dry',
    );
    expect(await locationTargets()).not.toContain(target);
  });

  it('lets the admin register a file location and unregister it', async () => {
    const target = path.join(dir, 'ledger.yaml');
    const created = await request(server)
      .post('/api/catalog/locations')
      .set('Authorization', ada)
      .send({ type: 'file', target });
    expect(created.status).toBe(201);
    expect(created.body.location).toMatchObject({ type: 'file', target });
    expect(await locationTargets()).toContain(target);
    await entityOf('component:default/ledger');

    const deleted = await request(server)
      .delete(`/api/catalog/locations/${created.body.location.id}`)
      .set('Authorization', ada);
    expect(deleted.status).toBe(204);
    expect(await locationTargets()).not.toContain(target);
  });

  it('lets the admin delete an entity', async () => {
    const vault = await entityOf('component:default/vault');
    const res = await request(server)
      .delete(`/api/catalog/entities/by-uid/${vault.metadata.uid}`)
      .set('Authorization', ada);
    expect(res.status).toBe(204);
    const after = await request(server)
      .get(`/api/catalog/entities/by-uid/${vault.metadata.uid}`)
      .set('Authorization', ada);
    expect(after.status).toBe(404);
  });
});
