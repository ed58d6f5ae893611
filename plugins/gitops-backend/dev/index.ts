/*
 * A small backend for working on the gitops plugin alone: one simulated
 * cluster (`dev`), the example Git repositories on disk, and a catalog holding
 * the `payments` and `inventory` examples. Start it with `yarn start` in this
 * folder, then:
 *
 *   curl localhost:7007/api/gitops/applications
 *   curl -X POST localhost:7007/api/gitops/applications/component~default~payments~default/sync \
 *     -H 'Content-Type: application/json' -d '{}'
 *
 * Requests act as a mock user who owns the examples (no sign-in needed).
 */
import { createBackend } from '@backstage/backend-defaults';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { startKubeSim } from '@mooring/kube-sim';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

async function main() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-dev-'));
  const gitDir = path.join(home, 'git');
  execFileSync(
    process.execPath,
    [path.resolve(__dirname, '../../../scripts/examples.mjs'), gitDir],
    { stdio: 'inherit' },
  );

  const cluster = await startKubeSim({ controllers: true });
  const kubeconfig = path.join(home, 'kubeconfig');
  await cluster.writeKubeconfig(kubeconfig, { contextName: 'dev' });

  const example = (name: string, namespace: string): Entity => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      annotations: {
        'mooring.dev/repo': `file://${gitDir}/${name}.git`,
        'mooring.dev/cluster': 'dev',
        'mooring.dev/path': '.',
        'mooring.dev/namespace': namespace,
        'mooring.dev/sync': 'auto',
      },
    },
    spec: { type: 'service', lifecycle: 'experimental', owner: 'user:mock' },
    relations: [{ type: 'ownedBy', targetRef: 'user:default/mock' }],
  });

  const backend = createBackend();
  backend.add(
    mockServices.rootConfig.factory({
      data: {
        backend: {
          baseUrl: 'http://localhost:7007',
          listen: { port: 7007 },
          database: { client: 'better-sqlite3', connection: ':memory:' },
        },
        gitops: {
          kubeconfig,
          allowedRepos: [`file://${gitDir}/**`],
          webhookSecret: 'dev-webhook-secret',
          reconcile: { interval: { seconds: 30 } },
        },
      },
    }),
  );
  // Every request acts as user:default/mock, so no sign-in is needed.
  backend.add(mockServices.auth.factory());
  backend.add(mockServices.httpAuth.factory());
  backend.add(mockServices.permissions.factory());
  backend.add(
    catalogServiceMock.factory({
      entities: [
        example('payments', 'payments'),
        example('inventory', 'inventory'),
      ],
    }),
  );
  // Notifications go to the log instead of a notifications backend.
  backend.add(
    createServiceFactory({
      service: notificationService,
      deps: {},
      factory: () => ({
        async send(options) {
          process.stdout.write(
            `notification: ${JSON.stringify(options.payload)}\n`,
          );
        },
      }),
    }),
  );
  backend.add(import('../src'));
  await backend.start();

  const stop = async () => {
    await backend.stop();
    await cluster.stop();
    fs.rmSync(home, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
