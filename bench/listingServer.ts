/*
 * The fleet listing as users reach it: the plugin's real REST router
 * (`GET /api/gitops/applications`, request validation from openapi.yaml,
 * the permission check batched into one authorize call per request) served
 * by express on 127.0.0.1 over a given engine, and a pager that measures
 * each page. Used by bench/listing.ts (a synthetic fleet) and bench/run.ts
 * (the engine of the same run).
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
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

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
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

/**
 * Serves the router over `engine`. The caller (user:default/ada) may read
 * every entity but those whose name ends in 7, so the permission filter does
 * real work on every page.
 */
export async function startListingServer(
  engine: Pick<GitopsEngine, 'listApplications'>,
) {
  const permissions = {
    authorize: async (requests: Array<{ resourceRef?: string }>) =>
      requests.map(r => ({
        result: /7$/.test(r.resourceRef ?? '')
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
  // Only the listing route is measured: the other routes' services are
  // left out (a call to one of them would fail).
  const routerOptions = {
    engine: engine as GitopsEngine,
    access: new ApplicationAccess(permissions, {} as AuthService),
    httpAuth,
    auditor: {} as AuditorService,
    annotationErrors: { errors: () => [], entitiesWithErrors: () => [] },
  };
  const router = await createRouter(
    routerOptions as unknown as Parameters<typeof createRouter>[0],
  );
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
  return {
    base,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ListingFigures {
  matched: number;
  pages: number;
  samples: number;
  p50: number;
  p99: number;
}

async function page(base: string, query: Record<string, string>) {
  const started = performance.now();
  const res = await fetch(`${base}?${new URLSearchParams(query)}`);
  const body = (await res.json()) as {
    items: Application[];
    nextCursor?: string;
  };
  if (!res.ok) throw new Error(`${res.status}: ${JSON.stringify(body)}`);
  return { ms: performance.now() - started, body };
}

/**
 * For each filter: every page of the filtered list (`limit` a page), then
 * the first page again until `samples` pages were timed; p50/p99 per page.
 */
export async function measureListing(
  base: string,
  filters: Record<string, Record<string, string>>,
  options: { limit: number; samples: number; log?: (line: string) => void },
) {
  const { limit, samples } = options;
  // Warm up (JIT, connection).
  for (let i = 0; i < 5; i++) await page(base, { limit: String(limit) });
  const results: Record<string, ListingFigures> = {};
  // What else held this process while pages were timed: its longest
  // garbage-collection pause and its longest event-loop delay.
  const gcPauses: number[] = [];
  const gc = new PerformanceObserver(list => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  for (const [name, filter] of Object.entries(filters)) {
    const latencies: number[] = [];
    let matched = 0;
    let pages = 0;
    let cursor: string | undefined;
    do {
      const { ms, body } = await page(base, {
        ...filter,
        limit: String(limit),
        ...(cursor ? { cursor } : {}),
      });
      latencies.push(ms);
      matched += body.items.length;
      pages++;
      cursor = body.nextCursor;
    } while (cursor);
    while (latencies.length < samples) {
      latencies.push(
        (await page(base, { ...filter, limit: String(limit) })).ms,
      );
    }
    const p50 = Number(percentile(latencies, 50).toFixed(2));
    const p99 = Number(percentile(latencies, 99).toFixed(2));
    results[name] = { matched, pages, samples: latencies.length, p50, p99 };
    options.log?.(
      `  ${name.padEnd(30)} ${String(matched).padStart(
        5,
      )} readable matches in ${String(pages).padStart(
        3,
      )} pages: p50 ${p50} ms, p99 ${p99} ms`,
    );
  }
  loopDelay.disable();
  gc.disconnect();
  const process = {
    longestGcPauseMs: Number(Math.max(0, ...gcPauses).toFixed(1)),
    gcPausesOver50Ms: gcPauses.filter(ms => ms > 50).length,
    longestEventLoopDelayMs: Number((loopDelay.max / 1e6).toFixed(1)),
  };
  options.log?.(
    `  while timed: longest GC pause ${process.longestGcPauseMs} ms (${process.gcPausesOver50Ms} over 50 ms), longest event-loop delay ${process.longestEventLoopDelayMs} ms`,
  );
  const all = await page(base, {});
  return {
    filters: results,
    process,
    unpaged: {
      items: all.body.items.length,
      ms: Number(all.ms.toFixed(1)),
    },
  };
}
