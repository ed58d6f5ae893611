import fs from 'node:fs';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import {
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { startKubeSim, KubeSim } from '@mooring/kube-sim';
import type { Knex } from 'knex';
import { createGitopsEngine } from '../engine/createGitopsEngine';
import { asWritten } from '../kube/ClusterClient';
import type { ApplicationSpec } from '../engine/types';
import { tempDir } from './gitRepos';

export { waitFor } from './waitFor';

/** A client of the simulated cluster, for tests to look and meddle. */
export function clusterClient(sim: KubeSim) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(sim.kubeconfig());
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  return {
    async get(
      apiVersion: string,
      kind: string,
      name: string,
      namespace?: string,
    ) {
      try {
        return (await api.read({
          apiVersion,
          kind,
          metadata: { name, namespace },
        })) as any;
      } catch (error: any) {
        if (error?.code === 404) return undefined;
        throw error;
      }
    },
    // Bodies are sent as written, as kubectl sends them.
    async patch(object: KubernetesObject, manager = 'kubectl-edit') {
      return api.patch(
        object,
        undefined,
        undefined,
        manager,
        true,
        'application/apply-patch+yaml' as any,
        asWritten(api, object),
      );
    },
    async replace(object: KubernetesObject) {
      return api.replace(
        object,
        undefined,
        undefined,
        undefined,
        asWritten(api, object),
      );
    },
    async create(object: KubernetesObject) {
      return api.create(
        object,
        undefined,
        undefined,
        undefined,
        asWritten(api, object),
      ) as Promise<any>;
    },
    async delete(object: KubernetesObject) {
      return api.delete(object);
    },
  };
}

export function spec(
  id: string,
  repoUrl: string,
  path: string,
  overrides: Partial<ApplicationSpec['policy']> & {
    namespace?: string;
    revision?: string;
    /** The entity's owner (`spec.owner`), whose grant the application gets. */
    owner?: string;
    cluster?: string;
  } = {},
): ApplicationSpec {
  return {
    id,
    entityRef: `component:default/${id}`,
    ...(overrides.owner ? { owner: overrides.owner } : {}),
    target: 'default',
    source: { repoUrl, path, revision: overrides.revision ?? 'main' },
    destination: {
      cluster: overrides.cluster ?? 'dev',
      namespace: overrides.namespace ?? id,
    },
    policy: {
      sync: overrides.sync ?? 'manual',
      prune: overrides.prune ?? false,
      selfHeal: overrides.selfHeal ?? false,
      ...(overrides.pruneOnRemove !== undefined
        ? { pruneOnRemove: overrides.pruneOnRemove }
        : {}),
    },
  };
}

/** An engine against a kube-sim cluster named `dev`. */
export async function createTestEngine(options: {
  sim: KubeSim;
  database: Knex;
  leaseTtlMs?: number;
  maxRuns?: number;
  /**
   * More clusters: unreachable ones by default; with `serviceAccountToken`
   * and `caData` (e.g. the same kube-sim under another name) reachable.
   */
  extraClusters?: {
    name: string;
    url: string;
    serviceAccountToken?: string;
    caData?: string;
  }[];
  /** `gitops.tenancy` (e.g. `{ rules: [...] }`); absent gives the default grant. */
  tenancy?: unknown;
  /** `gitops.sync` (waveTimeout, timeout). */
  sync?: unknown;
  /** More `gitops` config, merged in as it is. */
  gitops?: Record<string, unknown>;
}) {
  const workingDirectory = tempDir('engine-work');
  const engine = await createGitopsEngine({
    config: new ConfigReader({
      gitops: {
        clusters: [
          {
            name: 'dev',
            url: options.sim.url,
            serviceAccountToken: options.sim.adminToken,
            caData: options.sim.caData,
          },
          ...(options.extraClusters ?? []).map(c =>
            c.caData
              ? c
              : {
                  ...c,
                  serviceAccountToken: c.serviceAccountToken ?? 'none',
                  skipTLSVerify: true,
                },
          ),
        ],
        ...(options.tenancy !== undefined
          ? { tenancy: options.tenancy as any }
          : {}),
        allowedRepos: ['file:///tmp/**', 'git://127.0.0.1:*/**'],
        history: { maxRunsPerApplication: options.maxRuns ?? 100 },
        ...(options.sync !== undefined ? { sync: options.sync as any } : {}),
        ...(options.gitops as any),
      },
    }),
    logger: mockServices.logger.mock(),
    database: options.database,
    workingDirectory,
    leaseTtlMs: options.leaseTtlMs,
  });
  return {
    engine,
    async cleanup() {
      await engine.stop();
      fs.rmSync(workingDirectory, { recursive: true, force: true });
    },
  };
}

/**
 * Shared setup for a describe block of engine tests: one kube-sim with
 * controllers for the whole block, its faults cleared and the registered
 * cleanups run after each test, and the block's temporary `root` removed at
 * the end. `sim` is set once the block's first hook has run.
 */
export function kubeSimSuite(rootName: string) {
  const suite = {
    sim: undefined as unknown as KubeSim,
    root: tempDir(rootName),
    cleanups: [] as (() => Promise<void>)[],
  };
  beforeAll(async () => {
    suite.sim = await startKubeSim({ controllers: true });
  });
  afterEach(async () => {
    suite.sim.setFaults({ failRate: 0, latencyMs: 0 });
    for (const cleanup of suite.cleanups.splice(0)) await cleanup();
  });
  afterAll(async () => {
    await suite.sim.stop();
    fs.rmSync(suite.root, { recursive: true, force: true });
  });
  return suite;
}

export { startKubeSim };
