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
import path from 'node:path';
import type { Application } from '@mooring/plugin-gitops-common';
import { measureListing, startListingServer } from './listingServer';

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

async function main() {
  const applications = fleet(APPS);
  const server = await startListingServer({
    listApplications: async () => applications,
  });

  const filters: Record<string, Record<string, string>> = {
    none: {},
    'health=Degraded': { health: 'Degraded' },
    'cluster=prod&sync=OutOfSync': { cluster: 'prod', sync: 'OutOfSync' },
    'owner=team-3': { owner: 'team-3' },
    'q=service-012': { q: 'service-012' },
  };
  console.log(
    `Listing ${APPS} applications, ${LIMIT} a page (p50/p99 per page, ms):`,
  );
  const measured = await measureListing(server.base, filters, {
    limit: LIMIT,
    samples: SAMPLES,
    log: line => console.log(line),
  });
  console.log(
    `  without a limit (every readable application at once): ${measured.unpaged.items} in ${measured.unpaged.ms} ms`,
  );
  await server.stop();

  const result = {
    at: new Date().toISOString(),
    node: process.version,
    apps: APPS,
    limit: LIMIT,
    filters: measured.filters,
    unpagedMs: measured.unpaged.ms,
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
