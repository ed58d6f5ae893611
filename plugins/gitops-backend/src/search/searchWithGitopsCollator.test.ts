import type { AddressInfo } from 'node:net';
import {
  coreServices,
  createServiceFactory,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import searchPlugin from '@backstage/plugin-search-backend';
import request from 'supertest';
import {
  GitopsTestBackend,
  payments,
  PROD,
  startGitopsTestBackend,
  web,
  WEB,
} from '../__testUtils__/gitopsTestBackend';
import { waitFor } from '../__testUtils__/waitFor';
import { searchModuleGitopsCollator } from './searchModuleGitopsCollator';

jest.setTimeout(120_000);

const PROD_SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const WEB_SHA = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';
/** Whom the catalog hides `web` from. */
const HIDDEN: Record<string, string[]> = {
  'user:default/trent': ['component:default/web'],
};

/*
 * The real search plugin (Lunr, permission filtering on) with Mooring's
 * collator, reading a gitops backend over HTTP: what a Backstage user types
 * into the search box finds the deployment.
 */
describe('Backstage search with the gitops collator', () => {
  let gitops: GitopsTestBackend;
  let search: Awaited<ReturnType<typeof startTestBackend>>;

  beforeAll(async () => {
    gitops = await startGitopsTestBackend([payments, web]);
    const shas: Record<string, string> = { [PROD]: PROD_SHA, [WEB]: WEB_SHA };
    const toApplication = gitops.engine.toApplication.bind(gitops.engine);
    gitops.engine.toApplication = spec => {
      const app = toApplication(spec);
      return shas[spec.id]
        ? { ...app, status: { ...app.status, syncedRevision: shas[spec.id] } }
        : app;
    };
    const { port } = gitops.backend.server.address() as AddressInfo;
    const gitopsUrl = `http://localhost:${port}/api/gitops`;

    const userOf = (options?: { credentials: BackstageCredentials }) =>
      (options?.credentials.principal as { userEntityRef?: string })
        ?.userEntityRef ?? '';
    const permissions = mockServices.permissions.mock({
      // Read permissions are conditional for those the catalog hides
      // something from, so search asks about each result's entity.
      authorizeConditional: async (reqs, options) =>
        reqs.map(() =>
          HIDDEN[userOf(options as any)]
            ? {
                result: AuthorizeResult.CONDITIONAL,
                pluginId: 'catalog',
                resourceType: 'catalog-entity',
                conditions: { rule: 'IS_VISIBLE', params: {} },
              }
            : { result: AuthorizeResult.ALLOW },
        ) as any,
      authorize: async (reqs, options) =>
        reqs.map(r => ({
          result: HIDDEN[userOf(options as any)]?.includes(
            (r as { resourceRef?: string }).resourceRef ?? '',
          )
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
        })) as any,
    });

    search = await startTestBackend({
      features: [
        searchPlugin,
        searchModuleGitopsCollator,
        schedulerServiceFactory,
        permissions.factory,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            search: {
              collators: {
                gitops: {
                  schedule: {
                    frequency: { seconds: 1 },
                    timeout: { minutes: 1 },
                    initialDelay: { seconds: 0 },
                  },
                },
              },
            },
          },
        }),
        createServiceFactory({
          service: coreServices.discovery,
          deps: {},
          factory: () => ({
            getBaseUrl: async (pluginId: string) =>
              pluginId === 'gitops'
                ? gitopsUrl
                : `http://localhost/api/${pluginId}`,
            getExternalBaseUrl: async (pluginId: string) =>
              `http://localhost/api/${pluginId}`,
          }),
        }),
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => actionsRegistryServiceMock(),
        }),
      ],
    });
  });
  afterAll(async () => {
    await search?.stop();
    await gitops?.backend.stop();
  });

  async function find(term: string, user = 'user:default/mallory') {
    const res = await request(search.server)
      .get('/api/search/query')
      .query({ term })
      .set('Authorization', mockCredentials.user.header(user));
    expect(res.status).toBe(200);
    return (res.body.results as any[]).map(r => ({
      type: r.type,
      location: r.document.location,
      title: r.document.title,
    }));
  }

  it('finds the deployment running a short SHA, and where it runs', async () => {
    await waitFor(
      'the first collation',
      async () => (await find('a1b2c3d')).length > 0,
    );
    expect(await find('a1b2c3d')).toEqual([
      {
        type: 'gitops-application',
        title: 'payments (prod)',
        location: '/catalog/default/component/payments/deployments?target=prod',
      },
    ]);
    // By the full SHA too.
    expect((await find(PROD_SHA)).map(r => r.title)).toEqual([
      'payments (prod)',
    ]);
    expect((await find('9f8e7d6')).map(r => r.title)).toEqual(['web']);
  });

  it('hides the deployments of entities the catalog hides from the user', async () => {
    await waitFor(
      'the first collation',
      async () => (await find('9f8e7d6')).length > 0,
    );
    expect(await find('9f8e7d6', 'user:default/trent')).toEqual([]);
    expect(
      (await find('a1b2c3d', 'user:default/trent')).map(r => r.title),
    ).toEqual(['payments (prod)']);
  });
});
