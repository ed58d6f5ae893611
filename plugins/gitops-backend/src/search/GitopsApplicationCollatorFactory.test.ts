import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mockServices } from '@backstage/backend-test-utils';
import type { Readable } from 'node:stream';
import {
  GitopsTestBackend,
  payments,
  PROD,
  startGitopsTestBackend,
  STAGING,
  web,
  WEB,
} from '../__testUtils__/gitopsTestBackend';
import type { GitopsApplicationDocument } from './applicationDocument';
import { GitopsApplicationCollatorFactory } from './GitopsApplicationCollatorFactory';

const SHAS: Record<string, string> = {
  [PROD]: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  [STAGING]: 'ffeeddccbbaa00998877665544332211ffeeddcc',
};

async function collect(stream: Readable) {
  const documents: GitopsApplicationDocument[] = [];
  for await (const document of stream) documents.push(document);
  return documents;
}

describe('GitopsApplicationCollatorFactory against the gitops REST API', () => {
  let t: GitopsTestBackend;
  let baseUrl: string;
  const requests: string[] = [];

  beforeAll(async () => {
    t = await startGitopsTestBackend([payments, web]);
    // Two targets ran a sync; web has never been synced.
    const toApplication = t.engine.toApplication.bind(t.engine);
    t.engine.toApplication = spec => {
      const app = toApplication(spec);
      return SHAS[spec.id]
        ? {
            ...app,
            status: {
              ...app.status,
              syncedRevision: SHAS[spec.id],
              message: 'Synced to main',
            },
          }
        : app;
    };
    const { port } = t.backend.server.address() as AddressInfo;
    baseUrl = `http://localhost:${port}/api/gitops`;
  });
  afterAll(() => t.backend.stop());

  function factory(pageSize: number) {
    return new GitopsApplicationCollatorFactory({
      discovery: {
        getBaseUrl: async pluginId => {
          requests.push(`discovery ${pluginId}`);
          return baseUrl;
        },
      },
      auth: mockServices.auth(),
      pageSize,
    });
  }

  it('pages through every application as a service and indexes one document each', async () => {
    const documents = await collect(await factory(2).getCollator());
    expect(documents.map(d => d.applicationId)).toEqual([PROD, STAGING, WEB]);
    expect(requests).toEqual(['discovery gitops']);

    const prod = documents[0];
    expect(prod).toMatchObject({
      title: 'payments (prod)',
      location: '/catalog/default/component/payments/deployments?target=prod',
      authorization: { resourceRef: 'component:default/payments' },
      entityRef: 'component:default/payments',
      target: 'prod',
      cluster: 'prod',
      namespace: 'default',
      revision: SHAS[PROD],
      sync: 'Synced',
      health: 'Healthy',
    });
    // "Who runs a1b2c3d on prod?": the short and the full SHA, the name,
    // the entity ref, cluster, namespace, statuses and message.
    for (const word of [
      'a1b2c3d',
      SHAS[PROD],
      'payments',
      'component:default/payments',
      'cluster prod',
      'namespace default',
      'Synced',
      'Healthy',
      'Synced to main',
    ]) {
      expect(prod.text).toContain(word);
    }

    expect(documents[2]).toMatchObject({
      title: 'web',
      location: '/catalog/default/component/web/deployments',
      revision: '',
      cluster: 'dev',
    });
    expect(documents[2].text).toContain('Not synced yet; follows main');
  });

  it('reads the same with one page of everything', async () => {
    const documents = await collect(await factory(500).getCollator());
    expect(documents.map(d => d.applicationId)).toEqual([PROD, STAGING, WEB]);
  });

  it('asks search to filter by the catalog read permission of the entity', () => {
    const f = factory(2);
    expect(f.type).toBe('gitops-application');
    expect(f.visibilityPermission.name).toBe('catalog.entity.read');
  });
});

describe('GitopsApplicationCollatorFactory against a failing API', () => {
  let server: http.Server;
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => answer(req, res));
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise(r => server.close(r)));

  const factory = () =>
    new GitopsApplicationCollatorFactory({
      discovery: {
        getBaseUrl: async () =>
          `http://127.0.0.1:${
            (server.address() as AddressInfo).port
          }/api/gitops`,
      },
      auth: mockServices.auth(),
    });

  it('fails the collation with the error the API gave', async () => {
    answer = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { name: 'ServiceUnavailableError', message: 'Starting up' },
          response: { statusCode: 503 },
        }),
      );
    };
    await expect(collect(await factory().getCollator())).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 503,
      cause: expect.objectContaining({ message: 'Starting up' }),
    });
  });

  it('stops rather than loop when the API hands back the same cursor', async () => {
    const seen: string[] = [];
    answer = (req, res) => {
      seen.push(req.url!);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [], nextCursor: 'again' }));
    };
    await expect(collect(await factory().getCollator())).rejects.toThrow(
      /with the cursor it was given/,
    );
    expect(seen).toEqual([
      '/api/gitops/applications?limit=500',
      '/api/gitops/applications?limit=500&cursor=again',
    ]);
  });
});
