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

const COLLECTION_PATH = '/api/v1/namespaces/shop/configmaps';

/** A Kubernetes Status body for a failure. */
const failure = (status: number) =>
  JSON.stringify({
    kind: 'Status',
    status: 'Failure',
    code: status,
    message: `the server says ${status}`,
  });

/**
 * An API server that serves ConfigMaps and answers reads of shop/settings
 * with the given status codes in turn (200 once they run out), creates in
 * shop with `createStatuses` the same way; 429 and 503 come with
 * `Retry-After: retryAfter` when given.
 */
async function startApiServer(
  statuses: number[],
  options: { createStatuses?: number[]; retryAfter?: number } = {},
) {
  const reads: number[] = [];
  const readTimes: number[] = [];
  const creates: number[] = [];
  const createStatuses = options.createStatuses ?? [];
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url?.startsWith(COLLECTION_PATH) && req.method === 'POST') {
      const status = createStatuses.shift() ?? 201;
      creates.push(status);
      res.statusCode = status;
      res.end(status === 201 ? JSON.stringify(settings) : failure(status));
      return;
    }
    const status0 = statuses[0];
    if (
      options.retryAfter !== undefined &&
      (status0 === 429 || status0 === 503) &&
      req.url?.startsWith(SETTINGS_PATH)
    ) {
      res.setHeader('Retry-After', String(options.retryAfter));
    }
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
      readTimes.push(Date.now());
      res.statusCode = status;
      res.end(
        status === 200
          ? JSON.stringify({ ...settings, data: { mode: 'fast' } })
          : failure(status),
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
    readTimes,
    creates,
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

  it('waits as long as the server asks (Retry-After) before reading again', async () => {
    api = await startApiServer([429, 503], { retryAfter: 1 });
    expect((await api.client.get(settings))?.data).toEqual({ mode: 'fast' });
    expect(api.reads).toEqual([429, 503, 200]);
    const [first, second, third] = api.readTimes;
    // At least the second the server asked for, each time (less is a defect).
    expect(second - first).toBeGreaterThanOrEqual(950);
    expect(third - second).toBeGreaterThanOrEqual(950);
  });

  it('does not send a create again after an answer that may hide a created object', async () => {
    api = await startApiServer([], { createStatuses: [503, 500] });
    const object = { ...settings, metadata: { ...settings.metadata } };
    await expect(api.client.create(object)).rejects.toMatchObject({
      code: 503,
    });
    expect(api.creates).toEqual([503]);
    await expect(api.client.create(object)).rejects.toMatchObject({
      code: 500,
    });
    expect(api.creates).toEqual([503, 500]);
  });

  it('sends a create again when the server refused it unprocessed (429)', async () => {
    api = await startApiServer([], { createStatuses: [429] });
    const object = { ...settings, metadata: { ...settings.metadata } };
    expect(await api.client.create(object)).toMatchObject({
      metadata: { name: 'settings' },
    });
    expect(api.creates).toEqual([429, 201]);
  });

  it('reads a missing object as undefined', async () => {
    api = await startApiServer([404]);
    expect(await api.client.get(settings)).toBeUndefined();
    expect(api.reads).toEqual([404]);
  });
});
