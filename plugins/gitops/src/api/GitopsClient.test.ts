import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import {
  mockApis,
  MockFetchApi,
  registerMswTestHooks,
} from '@backstage/test-utils';
import { ResponseError } from '@backstage/errors';
import { GitopsClient } from './GitopsClient';
import { history, makeApp, makeOperation } from '../__testUtils__/fixtures';

const base = 'http://backstage.test/api/gitops';

describe('GitopsClient', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  const client = new GitopsClient({
    discoveryApi: mockApis.discovery({ baseUrl: 'http://backstage.test' }),
    fetchApi: new MockFetchApi(),
  });

  it('lists the applications of an entity by its ref', async () => {
    let query: string | null = null;
    server.use(
      http.get(`${base}/applications`, ({ request }) => {
        query = new URL(request.url).searchParams.get('entityRef');
        return HttpResponse.json({
          items: [makeApp()],
          errors: [
            {
              entityRef: 'component:default/payments',
              annotation: 'mooring.dev/cluster',
              message:
                "mooring.dev/cluster names 'moon', which gitops.clusters does not define",
            },
          ],
        });
      }),
    );
    const list = await client.getApplications('component:default/payments');
    expect(query).toBe('component:default/payments');
    expect(list.items.map(a => a.target)).toEqual(['default']);
    expect(list.errors[0].annotation).toBe('mooring.dev/cluster');
  });

  it('reads history, resources and diff of an application', async () => {
    server.use(
      http.get(`${base}/applications/app%201/history`, () =>
        HttpResponse.json({ items: history }),
      ),
      http.get(`${base}/applications/app%201/resources`, () =>
        HttpResponse.json({ items: [] }),
      ),
      http.get(`${base}/applications/app%201/diff`, () =>
        HttpResponse.json({ items: [] }),
      ),
    );
    await expect(client.getHistory('app 1')).resolves.toHaveLength(2);
    await expect(client.getResources('app 1')).resolves.toEqual([]);
    await expect(client.getDiff('app 1')).resolves.toEqual([]);
  });

  it('posts a sync with its options and returns the operation', async () => {
    let body: unknown;
    server.use(
      http.post(`${base}/applications/a1/sync`, async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(
          { operation: makeOperation({ dryRun: true }) },
          { status: 202 },
        );
      }),
    );
    const operation = await client.sync('a1', {
      revision: 'v2',
      prune: true,
      dryRun: true,
    });
    expect(body).toEqual({ revision: 'v2', prune: true, dryRun: true });
    expect(operation.dryRun).toBe(true);
  });

  it('posts a rollback naming the run, and a refresh', async () => {
    let body: unknown;
    let refreshed = false;
    server.use(
      http.post(`${base}/applications/a1/rollback`, async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(
          { operation: makeOperation() },
          { status: 202 },
        );
      }),
      http.post(`${base}/applications/a1/refresh`, () => {
        refreshed = true;
        return new HttpResponse(null, { status: 204 });
      }),
    );
    await client.rollback('a1', 'run-1');
    await client.refresh('a1');
    expect(body).toEqual({ runId: 'run-1' });
    expect(refreshed).toBe(true);
  });

  it('posts a selective sync naming its objects', async () => {
    let body: unknown;
    server.use(
      http.post(`${base}/applications/a1/sync`, async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(
          { operation: makeOperation() },
          { status: 202 },
        );
      }),
    );
    const resources = [
      { group: 'apps', kind: 'Deployment', namespace: 'payments', name: 'web' },
    ];
    await client.sync('a1', { resources });
    expect(body).toEqual({ resources });
  });

  it('posts a terminate and returns the stopping operation', async () => {
    let called = false;
    server.use(
      http.post(`${base}/applications/app%201/terminate`, () => {
        called = true;
        return HttpResponse.json(
          { operation: makeOperation({ message: 'Terminating' }) },
          { status: 202 },
        );
      }),
    );
    const operation = await client.terminate('app 1');
    expect(called).toBe(true);
    expect(operation.message).toBe('Terminating');
  });

  it('posts suspend with its reason and resume with or without one', async () => {
    const bodies: Record<string, unknown[]> = { suspend: [], resume: [] };
    const answer = (verb: 'suspend' | 'resume') =>
      http.post(`${base}/applications/a1/${verb}`, async ({ request }) => {
        bodies[verb].push(await request.json());
        return HttpResponse.json(
          makeApp({
            status: {
              ...makeApp().status,
              automation: { suspended: verb === 'suspend' },
            },
          }),
        );
      });
    server.use(answer('suspend'), answer('resume'));

    const suspended = await client.suspend('a1', 'Incident 4711');
    expect(suspended.status.automation?.suspended).toBe(true);
    const resumed = await client.resume('a1');
    expect(resumed.status.automation?.suspended).toBe(false);
    await client.resume('a1', 'Fixed');
    expect(bodies).toEqual({
      suspend: [{ reason: 'Incident 4711' }],
      resume: [{}, { reason: 'Fixed' }],
    });
  });

  it('turns Backstage error bodies into ResponseErrors with the status and message', async () => {
    server.use(
      http.post(`${base}/applications/a1/sync`, () =>
        HttpResponse.json(
          {
            error: {
              name: 'ConflictError',
              message: 'A sync of payments (default) is already running',
            },
            request: { method: 'POST', url: '/applications/a1/sync' },
            response: { statusCode: 409 },
          },
          { status: 409 },
        ),
      ),
    );
    const error = await client.sync('a1', {}).catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(409);
    expect(error.body.error.message).toBe(
      'A sync of payments (default) is already running',
    );
  });
  it('lists the fleet with only the filters that are set, and returns the next cursor', async () => {
    let params: Record<string, string> = {};
    server.use(
      http.get(`${base}/applications`, ({ request }) => {
        params = Object.fromEntries(new URL(request.url).searchParams);
        return HttpResponse.json({ items: [makeApp()], nextCursor: 'c2' });
      }),
    );
    const page = await client.listApplications({
      health: 'Degraded',
      q: 'pay',
      owner: '',
      limit: 50,
      cursor: 'c1',
    });
    expect(params).toEqual({
      health: 'Degraded',
      q: 'pay',
      limit: '50',
      cursor: 'c1',
    });
    expect(page.nextCursor).toBe('c2');
    expect(page.items).toHaveLength(1);
  });

  it('reads manifests and events by the full selector, the core group included', async () => {
    const seen: Record<string, string>[] = [];
    server.use(
      http.get(`${base}/applications/a1/manifests`, ({ request }) => {
        seen.push(Object.fromEntries(new URL(request.url).searchParams));
        return HttpResponse.json({ live: 'kind: Pod\n', desired: null });
      }),
      http.get(`${base}/applications/a1/events`, ({ request }) => {
        seen.push(Object.fromEntries(new URL(request.url).searchParams));
        return HttpResponse.json({
          items: [
            {
              metadata: { name: 'e1' },
              reason: 'BackOff',
              involvedObject: { kind: 'Pod', name: 'p' },
            },
          ],
        });
      }),
    );
    const pod = {
      group: '',
      version: 'v1',
      kind: 'Pod',
      namespace: 'payments',
      name: 'p',
    };
    await expect(client.getManifests('a1', pod)).resolves.toEqual({
      live: 'kind: Pod\n',
      desired: null,
    });
    const events = await client.getEvents('a1', pod);
    expect(events.map(e => e.reason)).toEqual(['BackOff']);
    expect(seen).toEqual([pod, pod]);
  });

  it('reads logs as text with the container and tail', async () => {
    let params: Record<string, string> = {};
    server.use(
      http.get(`${base}/applications/a1/logs`, ({ request }) => {
        params = Object.fromEntries(new URL(request.url).searchParams);
        return HttpResponse.text('line 1\nline 2\n');
      }),
    );
    const text = await client.getLogs('a1', {
      namespace: 'payments',
      pod: 'p',
      container: 'app',
      tailLines: 100,
    });
    expect(text).toBe('line 1\nline 2\n');
    expect(params).toEqual({
      namespace: 'payments',
      pod: 'p',
      container: 'app',
      tailLines: '100',
    });
  });

  it('posts an action with its body and throws the backend error', async () => {
    let body: unknown;
    server.use(
      http.post(`${base}/applications/a1/actions`, async ({ request }) => {
        body = await request.json();
        return HttpResponse.json(
          {
            error: { name: 'NotAllowedError', message: 'You may not sync' },
            request: { method: 'POST', url: '/applications/a1/actions' },
            response: { statusCode: 403 },
          },
          { status: 403 },
        );
      }),
    );
    const resource = {
      group: 'apps',
      version: 'v1',
      kind: 'Deployment',
      namespace: 'payments',
      name: 'payments',
    };
    const error = await client
      .runAction('a1', { action: 'scale', resource, replicas: 2 })
      .catch(e => e);
    expect(body).toEqual({ action: 'scale', resource, replicas: 2 });
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(403);
  });
});
