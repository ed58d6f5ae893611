import fs from 'node:fs';
import {
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import type { JsonObject } from '@backstage/types';
import type { SyncRun } from '@mooring/plugin-gitops-common';
import { InMemoryTestEngine } from '../__testUtils__/InMemoryTestEngine';
import { tempDir } from '../__testUtils__/gitRepos';
import { waitFor } from '../__testUtils__/waitFor';
import {
  gitopsServicesDeps,
  startGitopsServices,
} from '../service/startGitops';
import { startTestGitHost } from './__testUtils__/testGitHost';

jest.setTimeout(60_000);

const SHA = '5'.repeat(40);

/** The plugin's services around an in-memory engine, with `gitops.commitStatus`. */
async function startBackend(
  engine: InMemoryTestEngine,
  config: JsonObject,
): Promise<{ stop(): Promise<void> }> {
  const plugin = createBackendPlugin({
    pluginId: 'gitops',
    register(env) {
      env.registerInit({
        deps: gitopsServicesDeps,
        async init(deps) {
          await startGitopsServices({ ...deps, engine });
        },
      });
    },
  });
  return startTestBackend({
    features: [
      plugin,
      mockServices.rootConfig.factory({ data: config }),
      catalogServiceMock.factory({ entities: [] }),
      createServiceFactory({
        service: notificationService,
        deps: {},
        factory: () => ({ send: async () => {} }),
      }),
      createServiceFactory({
        service: actionsRegistryServiceRef,
        deps: {},
        factory: () => actionsRegistryServiceMock(),
      }),
      createServiceFactory({
        service: signalsServiceRef,
        deps: {},
        factory: () => ({ publish: async () => {} }),
      }),
    ],
  });
}

describe('commit statuses in the plugin', () => {
  const root = tempDir('commit-status-wiring');
  let host: Awaited<ReturnType<typeof startTestGitHost>>;

  beforeAll(async () => {
    host = await startTestGitHost({ provider: 'github', root, token: 'tkn-1' });
  });
  afterAll(async () => {
    await host.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function configWith(commitStatus: JsonObject): JsonObject {
    return {
      app: { baseUrl: 'http://backstage.example.com' },
      integrations: host.integrationsConfig,
      gitops: {
        clusters: [
          { name: 'dev', url: 'https://127.0.0.1:1', skipTLSVerify: true },
        ],
        allowedRepos: [`${host.baseUrl}/**`],
        commitStatus,
      },
    };
  }

  it('reports the engine’s sync events, and stops with the backend', async () => {
    const engine = new InMemoryTestEngine();
    const backend = await startBackend(engine, configWith({ enabled: true }));
    // The catalog (empty here) sets the engine's applications; the events
    // carry the application themselves.
    const application = engine.toApplication({
      id: 'component~default~web~default',
      entityRef: 'component:default/web',
      target: 'default',
      source: {
        repoUrl: host.repoUrl('acme/web.git'),
        path: 'deploy',
        revision: 'main',
      },
      destination: { cluster: 'dev', namespace: 'web' },
      policy: { sync: 'manual', prune: false, selfHeal: false },
    });
    const run: SyncRun = {
      id: 'run-1',
      revision: 'main',
      commit: { sha: SHA, author: 'Ada', message: 'Ship it', date: '' },
      startedAt: new Date().toISOString(),
      phase: 'Running',
      initiatedBy: 'user:default/ada',
      message: '',
      changes: [],
    };
    const options = { initiatedBy: 'user:default/ada' };
    engine.emit({ type: 'syncStarted', application, run, options });
    // Emitted together, the two would be posted as one: the newest.
    await waitFor('the pending status', () => host.calls.length === 1);
    engine.emit({
      type: 'syncFinished',
      application,
      run: { ...run, phase: 'Succeeded' },
      options,
    });
    await waitFor('both statuses', () => host.calls.length >= 2);
    expect(host.calls.map(c => [c.sha, c.body.state, c.answered])).toEqual([
      [SHA, 'pending', 201],
      [SHA, 'success', 201],
    ]);
    expect(host.calls[0].body.target_url).toBe(
      'http://backstage.example.com/catalog/default/component/web/deployments',
    );

    await backend.stop();
    engine.emit({
      type: 'syncStarted',
      application,
      run: { ...run, id: 'run-2' },
      options,
    });
    await new Promise(resolve => setImmediate(resolve));
    expect(host.calls).toHaveLength(2);
  });

  it('refuses to start with a gitops.commitStatus it cannot read', async () => {
    await expect(
      startBackend(
        new InMemoryTestEngine(),
        configWith({ enabled: true, clusters: { prod: { enabeld: false } } }),
      ),
    ).rejects.toThrow(
      /gitops\.commitStatus\.clusters\.prod\.enabeld is not a setting/,
    );
  });
});
