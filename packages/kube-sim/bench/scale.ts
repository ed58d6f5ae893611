/**
 * Scale measurement: 20,000 objects and 200 open watches against one kube-sim.
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs packages/kube-sim/bench/scale.ts
 *
 * Server and client share one Node process (and its one thread), so the
 * numbers are a floor for what a separate client would see.
 */
import https from 'node:https';
import { startKubeSim } from '../src';

const OBJECTS = Number(process.env.OBJECTS ?? 20_000);
const WATCHERS = Number(process.env.WATCHERS ?? 200);
const NAMESPACES = 20;
const CONCURRENCY = 64;

async function main() {
  const sim = await startKubeSim();
  const url = new URL(sim.url);
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: CONCURRENCY,
    ca: Buffer.from(sim.caData, 'base64'),
  });
  const headers = {
    Authorization: `Bearer ${sim.adminToken}`,
    Accept: 'application/json',
  };

  const request = (
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method,
          agent,
          headers: { ...headers, 'Content-Type': contentType },
        },
        res => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', d => (text += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text }),
          );
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  const timed = async (
    label: string,
    count: number,
    make: (i: number) => Promise<{ status: number }>,
  ) => {
    const started = process.hrtime.bigint();
    let next = 0;
    let failures = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          const i = next++;
          const { status } = await make(i);
          if (status >= 300) failures++;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = Math.round(count / seconds);
    console.log(
      `${label.padEnd(44)} ${String(count).padStart(
        6,
      )} requests in ${seconds.toFixed(2)} s = ${rate} req/s${
        failures ? ` (${failures} failed)` : ''
      }`,
    );
    return rate;
  };

  for (let n = 0; n < NAMESPACES; n++) {
    await request('POST', '/api/v1/namespaces', {
      metadata: { name: `bench-${n}` },
    });
  }

  // 200 watches: most on one namespace, some cluster-wide with a label selector.
  const received: number[] = new Array(WATCHERS).fill(0);
  const watchRequests: import('node:http').ClientRequest[] = [];
  for (let w = 0; w < WATCHERS; w++) {
    const shard = w % NAMESPACES;
    const path =
      w % 4 === 0
        ? `/api/v1/configmaps?watch=true&labelSelector=shard%3Ds${shard}`
        : `/api/v1/namespaces/bench-${shard}/configmaps?watch=true`;
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        headers,
        agent: new https.Agent({ ca: Buffer.from(sim.caData, 'base64') }),
      },
      res => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', chunk => {
          buffer += chunk;
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            received[w]++;
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf('\n');
          }
        });
      },
    );
    req.on('error', () => {});
    req.end();
    watchRequests.push(req);
  }
  await new Promise(resolve => setTimeout(resolve, 1000));

  const results: Record<string, number> = {};
  results.create = await timed('create ConfigMaps (POST)', OBJECTS, i =>
    request('POST', `/api/v1/namespaces/bench-${i % NAMESPACES}/configmaps`, {
      metadata: {
        name: `cm-${i}`,
        labels: { shard: `s${i % NAMESPACES}`, app: 'bench' },
      },
      data: { index: String(i), payload: 'x'.repeat(200) },
    }),
  );
  const expected = OBJECTS / NAMESPACES;
  const deadline = Date.now() + 120_000;
  while (received.some(r => r < expected) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  const delivered = received.reduce((a, b) => a + b, 0);
  console.log(
    `watch events delivered: ${delivered} of ${
      expected * WATCHERS
    } to ${WATCHERS} watchers`,
  );

  results.get = await timed('get one object (GET)', 10_000, i =>
    request(
      'GET',
      `/api/v1/namespaces/bench-${i % NAMESPACES}/configmaps/cm-${i % OBJECTS}`,
    ),
  );
  results.apply = await timed(
    'server-side apply, changing a field (PATCH)',
    5_000,
    i =>
      request(
        'PATCH',
        `/api/v1/namespaces/bench-${i % NAMESPACES}/configmaps/cm-${
          i % OBJECTS
        }?fieldManager=bench&force=true`,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i % OBJECTS}` },
          data: { index: `${i}-applied` },
        },
        'application/apply-patch+yaml',
      ),
  );
  results.list = await timed('list a namespace of 1,000 (GET)', 200, i =>
    request('GET', `/api/v1/namespaces/bench-${i % NAMESPACES}/configmaps`),
  );
  results.select = await timed(
    'list all 20,000 by label, 1,000 match (GET)',
    50,
    i =>
      request(
        'GET',
        `/api/v1/configmaps?labelSelector=shard%3Ds${i % NAMESPACES}`,
      ),
  );
  console.log(
    `resident memory: ${Math.round(
      process.memoryUsage().rss / 1024 / 1024,
    )} MiB`,
  );

  for (const req of watchRequests) req.destroy();
  agent.destroy();
  await sim.stop();
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
