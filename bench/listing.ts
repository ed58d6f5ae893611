/*
 * Fleet listing benchmark: 10,000 applications behind the real REST router
 * (`GET /api/gitops/applications`, served by express on 127.0.0.1 with the
 * permission check batched as in production), paged through with a few
 * filters; reports p50/p99 latency per page.
 *
 * Usage (from the repository root, after `source scripts/env.sh`):
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/listing.ts
 *     [--apps N] [--limit L] [--samples K]
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import type {
  AuditorService,
  AuthService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Application } from '@mooring/plugin-gitops-common';
import express from 'express';
import type { GitopsEngine } from '../plugins/gitops-backend/src/engine';
import { ApplicationAccess } from '../plugins/gitops-backend/src/service/ApplicationAccess';
import { createRouter } from '../plugins/gitops-backend/src/service/router';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} needs a positive whole number`);
  }
  return value;
}

const APPS = option('--apps', 10_000);
const LIMIT = option('--limit', 100);
const SAMPLES = option('--samples', 50);

const SYNC = ['Synced', 'OutOfSync', 'Unknown'] as const;
const HEALTH = ['Healthy', 'Progressing', 'Degraded', 'Missing'] as const;
const CLUSTERS = ['dev', 'staging', 'prod'];

/** A varied fleet: 3 clusters, 50 owners, mixed sync and health. */
function fleet(n: number): Application[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `service-${String(i).padStart(5, '0')}`;
    return {
      id: `component~default~${name}~default`,
      entityRef: `component:default/${name}`,
      owner: `group:default/team-${i % 50}`,
      target: 'default',
      source: {
        repoUrl: `https://git.example.com/team-${i % 50}/${name}.git`,
        path: 'deploy',
        revision: 'main',
      },
      destination: { cluster: CLUSTERS[i % 3], namespace: name },
      policy: { sync: 'auto', prune: true, selfHeal: i % 2 === 0 },
      status: {
        sync: SYNC[i % 7 === 0 ? 1 : i % 31 === 0 ? 2 : 0],
        health:
          HEALTH[i % 11 === 0 ? 2 : i % 5 === 0 ? 1 : i % 97 === 0 ? 3 : 0],
        message: '',
        syncedRevision: (i * 2654435761).toString(16).padStart(8, '0'),
      },
    } as Application;
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
  );
  return sorted[index];
}

const quietLogger = {
  info() {},
  debug() {},
  warn() {},
  error(message: string) {
    console.error(message);
  },
  child() {
    return quietLogger;
  },
} as unknown as LoggerService;

async function main() {
  const applications = fleet(APPS);
  const engine = {
    listApplications: async () => applications,
  } as unknown as GitopsEngine;
  // Every user reads every entity but those of team-7 (one authorize call per request).
  const permissions = {
    authorize: async (requests: Array<{ resourceRef?: string }>) =>
      requests.map(r => ({
        result: /service-\d*7$/.test(r.resourceRef ?? '')
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      })),
  } as unknown as PermissionsService;
  const httpAuth = {
    credentials: async () => ({
      $$type: '@backstage/BackstageCredentials',
      principal: { type: 'user', userEntityRef: 'user:default/ada' },
    }),
  } as unknown as HttpAuthService;
  const router = await createRouter({
    engine,
    access: new ApplicationAccess(permissions, {} as AuthService),
    httpAuth,
    auditor: {} as AuditorService,
    annotationErrors: { errors: () => [], entitiesWithErrors: () => [] },
  });
  const app = express();
  app.use('/api/gitops', router);
  app.use(
    MiddlewareFactory.create({
      config: new ConfigReader({}),
      logger: quietLogger,
    }).error(),
  );
  const server = app.listen(0, '127.0.0.1');
  await new Promise(resolve => server.once('listening', resolve));
  const base = `http://127.0.0.1:${
    (server.address() as AddressInfo).port
  }/api/gitops/applications`;

  async function page(query: Record<string, string>) {
    const started = performance.now();
    const res = await fetch(`${base}?${new URLSearchParams(query)}`);
    const body = (await res.json()) as {
      items: Application[];
      nextCursor?: string;
    };
    if (!res.ok) throw new Error(`${res.status}: ${JSON.stringify(body)}`);
    return { ms: performance.now() - started, body };
  }

  const filters: Record<string, Record<string, string>> = {
    none: {},
    'health=Degraded': { health: 'Degraded' },
    'cluster=prod&sync=OutOfSync': { cluster: 'prod', sync: 'OutOfSync' },
    'owner=team-3': { owner: 'team-3' },
    'q=service-012': { q: 'service-012' },
  };
  // Warm up (JIT, connection).
  for (let i = 0; i < 5; i++) await page({ limit: String(LIMIT) });

  const results: Record<string, unknown> = {};
  console.log(
    `Listing ${APPS} applications, ${LIMIT} a page (p50/p99 per page, ms):`,
  );
  for (const [name, filter] of Object.entries(filters)) {
    // Every page of the filtered list, then the first page again until SAMPLES.
    const latencies: number[] = [];
    let matched = 0;
    let pages = 0;
    let cursor: string | undefined;
    do {
      const { ms, body } = await page({
        ...filter,
        limit: String(LIMIT),
        ...(cursor ? { cursor } : {}),
      });
      latencies.push(ms);
      matched += body.items.length;
      pages++;
      cursor = body.nextCursor;
    } while (cursor);
    while (latencies.length < SAMPLES) {
      latencies.push((await page({ ...filter, limit: String(LIMIT) })).ms);
    }
    const p50 = Number(percentile(latencies, 50).toFixed(2));
    const p99 = Number(percentile(latencies, 99).toFixed(2));
    results[name] = { matched, pages, samples: latencies.length, p50, p99 };
    console.log(
      `  ${name.padEnd(30)} ${String(matched).padStart(
        5,
      )} readable matches in ${String(pages).padStart(
        3,
      )} pages: p50 ${p50} ms, p99 ${p99} ms`,
    );
  }
  const all = await page({});
  console.log(
    `  without a limit (every readable application at once): ${
      all.body.items.length
    } in ${all.ms.toFixed(1)} ms`,
  );
  server.close();

  const result = {
    at: new Date().toISOString(),
    node: process.version,
    apps: APPS,
    limit: LIMIT,
    filters: results,
    unpagedMs: Number(all.ms.toFixed(1)),
  };
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(
    path.join(__dirname, 'results', 'listing.json'),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log('Written to bench/results/listing.json.');
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
