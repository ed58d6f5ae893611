import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterClient } from './ClusterClient';

const settings = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'shop' },
};
const SETTINGS_PATH = '/api/v1/namespaces/shop/configmaps/settings';

/**
 * An API server that serves ConfigMaps and answers reads of shop/settings
 * with the given status codes in turn (200 once they run out).
 */
async function startApiServer(statuses: number[]) {
  const reads: number[] = [];
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/api/v1') {
      res.end(
        JSON.stringify({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            {
              name: 'configmaps',
              namespaced: true,
              kind: 'ConfigMap',
              verbs: ['get', 'list'],
            },
          ],
        }),
      );
      return;
    }
    if (req.url?.startsWith(SETTINGS_PATH)) {
      const status = statuses.shift() ?? 200;
      reads.push(status);
      res.statusCode = status;
      res.end(
        JSON.stringify(
          status === 200
            ? { ...settings, data: { mode: 'fast' } }
            : {
                kind: 'Status',
                status: 'Failure',
                code: status,
                message: `the server says ${status}`,
              },
        ),
      );
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: 'test',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        // client-node refuses plain HTTP unless TLS checks are off.
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'test' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return {
    reads,
    client: new ClusterClient({ name: 'test', kubeConfig, attempts: 3 }),
    close: () => new Promise(resolve => server.close(resolve)),
  };
}

describe('ClusterClient', () => {
  let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('tries again after transient failures and returns the object', async () => {
    api = await startApiServer([503, 429]);
    expect((await api.client.get(settings))?.data).toEqual({ mode: 'fast' });
    expect(api.reads).toEqual([503, 429, 200]);
  });

  it('gives up after the configured attempts and says what failed, where and why', async () => {
    api = await startApiServer([503, 503, 503, 503]);
    await expect(api.client.get(settings)).rejects.toThrow(
      'Reading ConfigMap settings in namespace shop failed on cluster test (HTTP 503): the server says 503',
    );
    expect(api.reads).toEqual([503, 503, 503]);
  });

  it('does not try again when the server refuses the request', async () => {
    api = await startApiServer([403]);
    await expect(api.client.get(settings)).rejects.toMatchObject({
      code: 403,
      transient: false,
    });
    expect(api.reads).toEqual([403]);
  });

  it('reads a missing object as undefined', async () => {
    api = await startApiServer([404]);
    expect(await api.client.get(settings)).toBeUndefined();
    expect(api.reads).toEqual([404]);
  });
});
