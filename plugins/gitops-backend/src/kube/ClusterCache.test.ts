import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { mockServices } from '@backstage/backend-test-utils';
import { waitFor } from '../__testUtils__/waitFor';
import { ClusterCache } from './ClusterCache';
import { ClusterClient } from './ClusterClient';

jest.setTimeout(30_000);

/**
 * An API server that serves ConfigMaps, holds each list until released and
 * keeps watches open, counting those still open.
 */
async function startApiServer() {
  const heldLists: (() => void)[] = [];
  const openWatches = new Set<http.ServerResponse>();
  let watchesStarted = 0;
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/v1') {
      res.end(
        JSON.stringify({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            {
              name: 'configmaps',
              namespaced: true,
              kind: 'ConfigMap',
              verbs: ['get', 'list', 'watch'],
            },
          ],
        }),
      );
      return;
    }
    if (url.pathname === '/api/v1/configmaps') {
      if (url.searchParams.get('watch') === 'true') {
        watchesStarted++;
        openWatches.add(res);
        res.on('close', () => openWatches.delete(res));
        res.writeHead(200);
        res.flushHeaders();
        return;
      }
      heldLists.push(() =>
        res.end(
          JSON.stringify({
            kind: 'ConfigMapList',
            apiVersion: 'v1',
            metadata: { resourceVersion: '7' },
            items: [],
          }),
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
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'test' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
    currentContext: 'test',
  });
  return {
    heldLists,
    openWatches,
    watchesStarted: () => watchesStarted,
    client: new ClusterClient({ name: 'test', kubeConfig, attempts: 1 }),
    close: async () => {
      for (const res of openWatches) res.destroy();
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    },
  };
}

describe('ClusterCache', () => {
  let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('watches a kind once listed, and closes the watch when stopped', async () => {
    api = await startApiServer();
    const cache = new ClusterCache(
      api.client,
      mockServices.logger.mock(),
      () => {},
    );
    const watching = cache.watch('v1', 'ConfigMap');
    await waitFor('the list', () => api!.heldLists.length === 1);
    api.heldLists[0]();
    await watching;
    expect(cache.isSynced('v1', 'ConfigMap')).toBe(true);
    expect(api.openWatches.size).toBe(1);
    await cache.stop();
    await waitFor('the watch to close', () => api!.openWatches.size === 0);
  });

  it('starts no watch that outlives a stop made while the kind was being listed', async () => {
    api = await startApiServer();
    const cache = new ClusterCache(
      api.client,
      mockServices.logger.mock(),
      () => {},
    );
    const watching = cache.watch('v1', 'ConfigMap').catch(() => undefined);
    await waitFor('the list', () => api!.heldLists.length === 1);
    // The engine stops while the list is on its way.
    await cache.stop();
    api.heldLists[0]();
    await watching;
    // A watch that started anyway must be closed again: none stays open.
    await waitFor(
      'no watch left open after stop',
      () => api!.openWatches.size === 0,
      10_000,
    );
    expect(api.watchesStarted()).toBe(0);
  });
});
