import {
  createBackendPlugin,
  createServiceFactory,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import type { Entity } from '@backstage/catalog-model';
import {
  AuthorizePermissionRequest,
  AuthorizeResult,
} from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import request from 'supertest';
import {
  gitopsServicesDeps,
  startGitopsServices,
} from '../service/startGitops';
import { InMemoryTestEngine } from './InMemoryTestEngine';
import { waitFor } from './waitFor';

/*
 * The plugin's services around an in-memory engine, in a test backend with
 * a catalog of a few components, permission decisions as the default policy
 * makes them, and recorded audit events and notifications: what the router,
 * webhook, catalog sync, notifier and action tests run against.
 */

export const REPO = 'https://git.example.com/team/payments.git';

export function component(
  name: string,
  owner: string,
  annotations: Record<string, string>,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner, lifecycle: 'production' },
    relations: [
      {
        type: 'ownedBy',
        targetRef: owner.includes(':') ? owner : `group:default/${owner}`,
      },
    ],
  };
}

export const payments = component('payments', 'user:default/alice', {
  'mooring.dev/targets': 'staging,prod',
  'mooring.dev/repo': REPO,
  'mooring.dev/cluster.staging': 'dev',
  'mooring.dev/cluster.prod': 'prod',
  'mooring.dev/path.staging': 'deploy/staging',
  'mooring.dev/path.prod': 'deploy/prod',
  'mooring.dev/sync.staging': 'auto',
});
export const web = component('web', 'team-web', {
  'mooring.dev/cluster': 'dev',
  'mooring.dev/path': 'deploy',
  'mooring.dev/repo': 'https://git.example.com/team/web.git',
  'mooring.dev/revision': 'main',
});
export const broken = component('broken', 'team-web', {
  'mooring.dev/cluster': 'moon',
  'mooring.dev/repo': 'https://elsewhere.example.org/x.git',
});

/** Who owns what, as the default policy sees it through the catalog. */
const memberships: Record<string, string[]> = {
  'user:default/alice': ['user:default/alice'],
  'user:default/bob': ['user:default/bob', 'group:default/team-web'],
  'user:default/mallory': ['user:default/mallory'],
};
const blockedReaders = new Set(['user:default/eve']);
/** Users a catalog policy keeps from reading `web` (and so its deployments). */
const catalogHidden: Record<string, string[]> = {
  'user:default/trent': ['component:default/web'],
};

/**
 * Permission decisions as Mooring's default policy makes them: services are
 * allowed (as Backstage allows service calls), everyone reads, owners and
 * members of owning groups sync.
 */
function decide(
  credentials: BackstageCredentials,
  req: AuthorizePermissionRequest,
  entities: Entity[],
) {
  const principal = credentials.principal as any;
  if (principal.type === 'service') return { result: AuthorizeResult.ALLOW };
  const user = principal.userEntityRef as string;
  if (req.permission.name === 'catalog.entity.read') {
    const ref = (req as { resourceRef?: string }).resourceRef ?? '';
    return {
      result: catalogHidden[user]?.includes(ref)
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
    };
  }
  if (req.permission.name === 'gitops.application.read') {
    return {
      result: blockedReaders.has(user)
        ? AuthorizeResult.DENY
        : AuthorizeResult.ALLOW,
    };
  }
  const entity = entities.find(
    e =>
      `component:default/${e.metadata.name}` ===
      (req as { resourceRef?: string }).resourceRef,
  );
  const owners = (entity?.relations ?? []).map(r => r.targetRef);
  const claims = memberships[user] ?? [user];
  return {
    result: owners.some(o => claims.includes(o))
      ? AuthorizeResult.ALLOW
      : AuthorizeResult.DENY,
  };
}

export const WEBHOOK_SECRET = 'shh-its-a-secret';

/**
 * A permissions service deciding as `decide` does over the entities of the
 * moment, recording every authorize call (to count them).
 */
export function policyPermissions(entities: () => Entity[]) {
  const authorizeCalls: AuthorizePermissionRequest[][] = [];
  const permissions = mockServices.permissions.mock({
    authorize: async (reqs, options) => {
      authorizeCalls.push(reqs as AuthorizePermissionRequest[]);
      return reqs.map(r =>
        decide(
          (options as { credentials: BackstageCredentials }).credentials,
          r as AuthorizePermissionRequest,
          entities(),
        ),
      ) as any;
    },
  });
  return { permissions, authorizeCalls };
}

/** An auditor that records each event's outcome with the meta it was created with. */
export function recordingAuditor() {
  const auditEvents: Array<{ eventId: string; outcome: string; meta: any }> =
    [];
  const auditor = mockServices.auditor.mock({
    createEvent: async options => ({
      success: async () => {
        auditEvents.push({
          eventId: options.eventId,
          outcome: 'success',
          meta: options.meta,
        });
      },
      fail: async () => {
        auditEvents.push({
          eventId: options.eventId,
          outcome: 'failure',
          meta: options.meta,
        });
      },
    }),
  });
  return { auditor, auditEvents };
}

/** Starts the plugin's services around an `InMemoryTestEngine`. */
export async function startGitopsTestBackend(initialEntities: Entity[]) {
  const engine = new InMemoryTestEngine();
  let entities = initialEntities;
  const { permissions, authorizeCalls } = policyPermissions(() => entities);
  const catalog = catalogServiceMock.mock({
    getEntities: async req =>
      new InMemoryCatalogClient({ entities }).getEntities(req),
  });
  const notifications = { send: jest.fn(async () => {}) };
  const { auditor, auditEvents } = recordingAuditor();
  const actions = actionsRegistryServiceMock();
  const signals = { publish: jest.fn(async () => {}) };

  let resolveStarted: () => void;
  const started = new Promise<void>(r => {
    resolveStarted = r;
  });
  const testPlugin = createBackendPlugin({
    pluginId: 'gitops',
    register(env) {
      env.registerInit({
        deps: gitopsServicesDeps,
        async init(deps) {
          await startGitopsServices({ ...deps, engine });
          resolveStarted();
        },
      });
    },
  });

  const backend = await startTestBackend({
    features: [
      testPlugin,
      // The real scheduler, so the catalog is read again and again as in production.
      schedulerServiceFactory,
      mockServices.rootConfig.factory({
        data: {
          gitops: {
            clusters: [
              { name: 'dev', url: 'https://127.0.0.1:1', skipTLSVerify: true },
              { name: 'prod', url: 'https://127.0.0.1:2', skipTLSVerify: true },
            ],
            allowedRepos: ['https://git.example.com/**'],
            webhookSecret: WEBHOOK_SECRET,
            catalogSync: { interval: { seconds: 1 } },
          },
        },
      }),
      permissions.factory,
      catalog.factory,
      auditor.factory,
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => notifications,
      }),
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => actions,
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => signals,
      }),
    ],
  });
  await started;
  await waitFor(
    'the first catalog sync',
    () => engine.specs.length > 0 || entities.length === 0,
  );

  return {
    engine,
    backend,
    http: () => request(backend.server),
    setEntities: (next: Entity[]) => {
      entities = next;
    },
    authorizeCalls,
    notifications,
    auditEvents,
    actions,
    signals,
  };
}

export const alice = mockCredentials.user.header('user:default/alice');
export const bob = mockCredentials.user.header('user:default/bob');
export const mallory = mockCredentials.user.header('user:default/mallory');
export const eve = mockCredentials.user.header('user:default/eve');
export const trent = mockCredentials.user.header('user:default/trent');
export const service = mockCredentials.service.header();

export const PROD = 'component~default~payments~prod';
export const STAGING = 'component~default~payments~staging';
export const WEB = 'component~default~web~default';

/** The running test backend and what it recorded. */
export type GitopsTestBackend = Awaited<
  ReturnType<typeof startGitopsTestBackend>
>;
