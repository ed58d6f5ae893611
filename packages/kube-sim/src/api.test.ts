import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeSim, startKubeSim } from './kubeSim';
import { waitFor } from './testUtils';

jest.setTimeout(60_000);

type Response = { status: number; headers: Record<string, any>; body: any };

/** A plain HTTPS client that trusts kube-sim's certificate, for wire-level checks. */
function client(sim: KubeSim, token = sim.adminToken) {
  const url = new URL(sim.url);
  const ca = Buffer.from(sim.caData, 'base64');
  return (
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<Response> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method,
          ca,
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': contentType,
            Accept: 'application/json',
          },
        },
        res => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', d => (text += d));
          res.on('end', () => {
            let parsed: any = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // plain text (healthz)
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: parsed,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
}

/** Opens a watch and collects its events until closed. */
function watch(sim: KubeSim, path: string) {
  const url = new URL(sim.url);
  const events: any[] = [];
  let ended = false;
  const req = https.request(
    {
      host: url.hostname,
      port: url.port,
      path,
      ca: Buffer.from(sim.caData, 'base64'),
      headers: { Authorization: `Bearer ${sim.adminToken}` },
    },
    res => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', chunk => {
        buffer += chunk;
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          events.push(JSON.parse(buffer.slice(0, newline)));
          buffer = buffer.slice(newline + 1);
          newline = buffer.indexOf('\n');
        }
      });
      res.on('end', () => (ended = true));
    },
  );
  req.on('error', () => (ended = true));
  req.end();
  return { events, ended: () => ended, close: () => req.destroy() };
}

const cmPath = '/api/v1/namespaces/default/configmaps';

describe('kube-sim on the wire', () => {
  let sim: KubeSim;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    sim = await startKubeSim({ bookmarkIntervalMs: 100, watchCacheSize: 5 });
    api = client(sim);
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('answers 401 without a valid token, in a Status object', async () => {
    const res = await client(sim, 'wrong')('GET', cmPath);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('answers discovery for built-in and custom groups', async () => {
    const groups = await api('GET', '/apis');
    expect(groups.body.groups.map((g: any) => g.name)).toEqual(
      expect.arrayContaining([
        'apps',
        'batch',
        'rbac.authorization.k8s.io',
        'apiextensions.k8s.io',
      ]),
    );
    const apps = await api('GET', '/apis/apps/v1');
    const deployments = apps.body.resources.find(
      (r: any) => r.name === 'deployments',
    );
    expect(deployments).toMatchObject({
      kind: 'Deployment',
      namespaced: true,
      shortNames: ['deploy'],
    });
    expect(apps.body.resources.map((r: any) => r.name)).toContain(
      'deployments/status',
    );
    const index = await api('GET', '/openapi/v3');
    expect(Object.keys(index.body.paths)).toEqual(
      expect.arrayContaining(['api/v1', 'apis/apps/v1']),
    );
  });

  it('supports JSON patch, merge patch and strategic merge patch', async () => {
    await api('POST', cmPath, {
      metadata: { name: 'patched', labels: { a: '1' } },
      data: { x: '1' },
    });
    const json = await api(
      'PATCH',
      `${cmPath}/patched`,
      [{ op: 'add', path: '/data/y', value: '2' }],
      'application/json-patch+json',
    );
    expect(json.body.data).toEqual({ x: '1', y: '2' });
    const merge = await api(
      'PATCH',
      `${cmPath}/patched`,
      { data: { x: null } },
      'application/merge-patch+json',
    );
    expect(merge.body.data).toEqual({ y: '2' });
    const strategic = await api(
      'PATCH',
      `${cmPath}/patched`,
      { metadata: { labels: { b: '2' } } },
      'application/strategic-merge-patch+json',
    );
    expect(strategic.body.metadata.labels).toEqual({ a: '1', b: '2' });
    const bad = await api(
      'PATCH',
      `${cmPath}/patched`,
      { data: {} },
      'text/plain',
    );
    expect(bad.status).toBe(415);
    const failedTest = await api(
      'PATCH',
      `${cmPath}/patched`,
      [{ op: 'test', path: '/data/y', value: 'nope' }],
      'application/json-patch+json',
    );
    expect(failedTest.status).toBe(422);
    expect(failedTest.body.message).toContain('configmaps "patched"');
  });

  it('refuses a stale update and a name that is not a DNS subdomain', async () => {
    const created = await api('POST', cmPath, {
      metadata: { name: 'occ' },
      data: { a: '1' },
    });
    expect(created.status).toBe(201);
    const first = await api('PUT', `${cmPath}/occ`, {
      ...created.body,
      data: { a: '2' },
    });
    expect(first.status).toBe(200);
    const stale = await api('PUT', `${cmPath}/occ`, {
      ...created.body,
      data: { a: '3' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const missing = await api('PUT', `${cmPath}/never-created`, {
      metadata: { name: 'never-created' },
    });
    expect(missing.status).toBe(404);
    const protectedNs = await api('DELETE', '/api/v1/namespaces/default');
    expect(protectedNs.status).toBe(403);
    expect(protectedNs.body.message).toBe(
      'namespaces "default" is forbidden: this namespace may not be deleted',
    );
    const invalid = await api('POST', cmPath, {
      metadata: { name: 'Not_Valid' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.message).toContain(
      'ConfigMap "Not_Valid" is invalid: metadata.name',
    );
  });

  it('refuses, warns about or drops fields a kind does not declare, as fieldValidation asks', async () => {
    const typo = {
      metadata: { name: 'typo', lables: { a: 'b' } },
      dat: { a: 'b' },
    };
    const strict = await api('POST', `${cmPath}?fieldValidation=Strict`, typo);
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.lables", unknown field "dat"',
    );
    const warned = await api('POST', cmPath, typo);
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toBe(
      '299 - "unknown field \\"metadata.lables\\"", 299 - "unknown field \\"dat\\""',
    );
    expect(warned.body.dat).toBeUndefined();
    expect(warned.body.metadata.lables).toBeUndefined();
  });

  it("checks nested fields of built-in kinds against their schemas, with the API server's words", async () => {
    const deployPath = '/apis/apps/v1/namespaces/default/deployments';
    const deployment = (name: string, container: Record<string, unknown>) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: {
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [{ name: 'web', image: 'nginx:1', ...container }],
          },
        },
      },
    });
    const typo = deployment('nested-typo', { imagePullPolcy: 'Always' });

    const strict = await api(
      'POST',
      `${deployPath}?fieldValidation=Strict`,
      typo,
    );
    expect(strict.status).toBe(400);
    expect(strict.body.reason).toBe('BadRequest');
    expect(strict.body.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    );

    const applied = await api(
      'PATCH',
      `${deployPath}/nested-typo?fieldManager=test&fieldValidation=Ignore`,
      typo,
      'application/apply-patch+yaml',
    );
    expect(applied.status).toBe(500);
    expect(applied.body.reason).toBeUndefined();
    expect(applied.body.message).toBe(
      'failed to create typed patch object (default/nested-typo; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="web"].imagePullPolcy: field not declared in schema',
    );
    expect((await api('GET', `${deployPath}/nested-typo`)).status).toBe(404);

    const warned = await api('POST', deployPath, typo);
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toBe(
      '299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolcy\\""',
    );
    expect(
      warned.body.spec.template.spec.containers[0].imagePullPolcy,
    ).toBeUndefined();
    // An empty strategy is defaulted as the API server does.
    expect(warned.body.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });

    const patched = await api(
      'PATCH',
      `${deployPath}/nested-typo?fieldValidation=Strict`,
      {
        spec: {
          template: {
            spec: { containers: [{ name: 'web', imagePullPolcy: 'Never' }] },
          },
        },
      },
      'application/strategic-merge-patch+json',
    );
    expect(patched.status).toBe(400);
    expect(patched.body.message).toBe(
      'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"',
    );
    const mergeWarned = await api(
      'PATCH',
      `${deployPath}/nested-typo`,
      { spec: { paused: true, pasued: true } },
      'application/merge-patch+json',
    );
    expect(mergeWarned.status).toBe(200);
    expect(mergeWarned.headers.warning).toBe(
      '299 - "unknown field \\"spec.pasued\\""',
    );
    expect(mergeWarned.body.spec.paused).toBe(true);
    expect(mergeWarned.body.spec.pasued).toBeUndefined();

    const mistyped = await api('POST', deployPath, {
      ...deployment('mistyped', {}),
      spec: { ...deployment('mistyped', {}).spec, replicas: '3' },
    });
    expect(mistyped.status).toBe(400);
    expect(mistyped.body.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
    const mistypedApply = await api(
      'PATCH',
      `${deployPath}/mistyped?fieldManager=test`,
      deployment('mistyped', { ports: [{ containerPort: '80' }] }),
      'application/apply-patch+yaml',
    );
    expect(mistypedApply.status).toBe(500);
    expect(mistypedApply.body.message).toBe(
      'failed to create typed patch object (default/mistyped; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="web"].ports[containerPort="80",protocol="TCP"].containerPort: expected numeric (int or float), got string',
    );
    const quantities = await api(
      'POST',
      deployPath,
      deployment('quantities', {
        resources: { limits: { cpu: 1, memory: '64Mi' } },
        ports: [{ containerPort: 80, targetPort: 'http' }],
      }),
    );
    expect(quantities.status).toBe(201);
    expect(quantities.headers.warning).toBe(
      '299 - "unknown field \\"spec.template.spec.containers[0].ports[0].targetPort\\""',
    );
  });

  it("checks custom resources against their CRD's schema: pruned, refused or kept as it says", async () => {
    const crd = await api(
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'gadgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: {
                        size: { type: 'integer' },
                        tags: {
                          type: 'object',
                          additionalProperties: { type: 'string' },
                        },
                        config: {
                          type: 'object',
                          'x-kubernetes-preserve-unknown-fields': true,
                        },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    );
    expect(crd.status).toBe(201);
    const path = '/apis/example.com/v1/namespaces/default/gadgets';
    const gadget = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: 'example.com/v1',
      kind: 'Gadget',
      metadata: { name },
      spec,
    });
    expect((await api('GET', path)).status).toBe(200);

    const strict = await api(
      'POST',
      `${path}?fieldValidation=Strict`,
      gadget('strict', { sise: 2 }),
    );
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'Gadget in version "v1" cannot be handled as a Gadget: strict decoding error: unknown field "spec.sise"',
    );

    const pruned = await api(
      'POST',
      path,
      gadget('pruned', {
        size: 2,
        sise: 2,
        tags: { a: 'b' },
        config: { anything: { goes: [1] } },
      }),
    );
    expect(pruned.status).toBe(201);
    expect(pruned.headers.warning).toBe(
      '299 - "unknown field \\"spec.sise\\""',
    );
    expect(pruned.body.spec).toEqual({
      size: 2,
      tags: { a: 'b' },
      config: { anything: { goes: [1] } },
    });

    const mistyped = await api(
      'POST',
      path,
      gadget('mistyped', { size: 'big' }),
    );
    expect(mistyped.status).toBe(422);
    expect(mistyped.body.message).toBe(
      'Gadget.example.com "mistyped" is invalid: spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"',
    );

    const applied = await api(
      'PATCH',
      `${path}/applied?fieldManager=test`,
      gadget('applied', { sise: 2 }),
      'application/apply-patch+yaml',
    );
    expect(applied.status).toBe(500);
    expect(applied.body.message).toBe(
      'failed to create typed patch object (default/applied; example.com/v1, Kind=Gadget): .spec.sise: field not declared in schema',
    );
  });

  it('deletes a collection by label selector', async () => {
    for (const name of ['dc-1', 'dc-2', 'dc-keep']) {
      await api('POST', cmPath, {
        metadata: {
          name,
          labels: { group: name === 'dc-keep' ? 'keep' : 'drop' },
        },
      });
    }
    const res = await api('DELETE', `${cmPath}?labelSelector=group%3Ddrop`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: any) => i.metadata.name)).toEqual([
      'dc-1',
      'dc-2',
    ]);
    const left = await api('GET', `${cmPath}?labelSelector=group`);
    expect(left.body.items.map((i: any) => i.metadata.name)).toEqual([
      'dc-keep',
    ]);
  });

  it('keeps status apart from spec and bumps generation on spec changes only', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'gen' },
      spec: {
        selector: { matchLabels: { app: 'gen' } },
        template: {
          metadata: { labels: { app: 'gen' } },
          spec: { containers: [{ name: 'c', image: 'i:1' }] },
        },
      },
    };
    const path = '/apis/apps/v1/namespaces/default/deployments';
    const created = await api('POST', path, deployment);
    expect(created.body.metadata.generation).toBe(1);
    const status = await api(
      'PATCH',
      `${path}/gen/status`,
      { status: { replicas: 5 } },
      'application/merge-patch+json',
    );
    expect(status.body.status).toEqual({ replicas: 5 });
    expect(status.body.metadata.generation).toBe(1);
    const labelled = await api(
      'PATCH',
      `${path}/gen`,
      { metadata: { labels: { x: 'y' } }, status: { replicas: 1 } },
      'application/merge-patch+json',
    );
    expect(labelled.body.metadata.generation).toBe(1);
    expect(labelled.body.status).toEqual({ replicas: 5 });
    const scaled = await api(
      'PATCH',
      `${path}/gen`,
      { spec: { replicas: 3 } },
      'application/merge-patch+json',
    );
    expect(scaled.body.metadata.generation).toBe(2);
    const scale = await api('GET', `${path}/gen/scale`);
    expect(scale.body).toMatchObject({
      kind: 'Scale',
      spec: { replicas: 3 },
      status: { selector: 'app=gen' },
    });
  });

  it('watches from a resourceVersion with bookmarks, and answers 410 Gone when the version is too old', async () => {
    const start = await api('GET', cmPath);
    const rv = start.body.metadata.resourceVersion;
    const w = watch(
      sim,
      `${cmPath}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
    );
    await api('POST', cmPath, { metadata: { name: 'w-1' } });
    await api(
      'PATCH',
      `${cmPath}/w-1`,
      { data: { a: 'b' } },
      'application/merge-patch+json',
    );
    await api('DELETE', `${cmPath}/w-1`);
    await waitFor(
      () =>
        w.events.some(e => e.type === 'BOOKMARK') &&
        w.events.filter(e => e.type !== 'BOOKMARK').length === 3,
    );
    expect(
      w.events
        .filter(e => e.type !== 'BOOKMARK')
        .map(e => [e.type, e.object.metadata.name]),
    ).toEqual([
      ['ADDED', 'w-1'],
      ['MODIFIED', 'w-1'],
      ['DELETED', 'w-1'],
    ]);
    const bookmark = w.events.find(e => e.type === 'BOOKMARK');
    expect(bookmark.object).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
    });
    expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThan(
      Number(rv),
    );
    w.close();

    // The event log keeps 5 events per resource here; resuming from before them is refused.
    for (let i = 0; i < 6; i++)
      await api('POST', cmPath, { metadata: { name: `flood-${i}` } });
    const old = watch(sim, `${cmPath}?watch=true&resourceVersion=${rv}`);
    await waitFor(() => old.ended());
    expect(old.events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          kind: 'Status',
          code: 410,
          reason: 'Expired',
        }),
      },
    ]);
  });

  it('injects faults: 500/503/429 with Retry-After, and latency', async () => {
    sim.setFaults({ failRate: 1 });
    try {
      const statuses = new Set<number>();
      const retryAfter = new Set<string>();
      for (let i = 0; i < 60; i++) {
        const res = await api('GET', cmPath);
        statuses.add(res.status);
        retryAfter.add(`${res.status} ${res.headers['retry-after'] ?? '-'}`);
        expect(res.body.kind).toBe('Status');
      }
      expect([...statuses].sort()).toEqual([429, 500, 503]);
      expect([...retryAfter].sort()).toEqual(['429 1', '500 -', '503 1']);
      expect((await api('GET', '/api/v1')).status).toBe(200);
    } finally {
      sim.setFaults({ failRate: 0 });
    }
    sim.setFaults({ latencyMs: 300 });
    try {
      const started = Date.now();
      await api('GET', cmPath);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      sim.setFaults({ latencyMs: 0 });
    }
  });

  it('never returns data it did not store on dryRun=All', async () => {
    const dry = await api('POST', `${cmPath}?dryRun=All`, {
      metadata: { name: 'dry-wire' },
    });
    expect(dry.status).toBe(201);
    expect(dry.body.metadata.uid).toBeDefined();
    expect((await api('GET', `${cmPath}/dry-wire`)).status).toBe(404);
    expect(
      (await api('POST', `${cmPath}?dryRun=Some`, { metadata: { name: 'x' } }))
        .status,
    ).toBe(400);
  });
});

describe('kube-sim state file', () => {
  it('keeps objects, the admin token and the certificate across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-sim-state-'));
    try {
      const stateFile = join(dir, 'state.json');
      const first = await startKubeSim({ stateFile });
      await client(first)('POST', cmPath, {
        metadata: { name: 'kept' },
        data: { a: '1' },
      });
      const rv = Number(
        (await client(first)('GET', cmPath)).body.metadata.resourceVersion,
      );
      await first.stop();

      const second = await startKubeSim({ stateFile });
      try {
        expect(second.adminToken).toBe(first.adminToken);
        expect(second.caData).toBe(first.caData);
        const api = client(second);
        expect((await api('GET', `${cmPath}/kept`)).body.data).toEqual({
          a: '1',
        });
        const next = await api('POST', cmPath, { metadata: { name: 'after' } });
        expect(Number(next.body.metadata.resourceVersion)).toBeGreaterThan(rv);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
