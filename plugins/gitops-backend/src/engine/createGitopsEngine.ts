import type {
  DatabaseService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import type { ScmIntegrations } from '@backstage/integration';
import { durationToMilliseconds } from '@backstage/types';
import type { HumanDuration } from '@backstage/types';
import type {
  GitopsClusterSupplier,
  GitopsHealthCheck,
  GitopsRenderer,
} from '@mooring/plugin-gitops-node';
import type { Knex } from 'knex';
import { ClusterClient } from '../kube/ClusterClient';
import { kubeConfigForCluster, readClusters } from '../kube/clusterConfig';
import { defaultRenderers } from '../render/renderApplication';
import { readRenderLimits } from '../render/renderLimits';
import { GitSource } from '../source/GitSource';
import { DatabaseGitopsStore } from '../store/DatabaseGitopsStore';
import { readTenancyRules } from '../tenancy';
import { DefaultGitopsEngine } from './DefaultGitopsEngine';
import { readIgnoreDifferencesConfig } from './ignoreRules';
import { readSyncWindows } from './syncWindows';
import type { GitopsEngine } from './types';

/** Options of {@link createGitopsEngine}. */
export interface CreateGitopsEngineOptions {
  /** Root config; reads the `gitops` keys. */
  config: Config;
  logger: LoggerService;
  /** The plugin's database service, or a Knex instance (tests). */
  database: DatabaseService | Knex;
  /** When given, every replica reconciles all applications each `gitops.reconcile.interval`. */
  scheduler?: SchedulerService;
  /** Where Git clones and checkouts live. */
  workingDirectory: string;
  /** Git credentials from the Backstage `integrations` config. */
  urlReaderIntegrations?: ScmIntegrations;
  /** Renderers from the extension point; tried before the built-in ones. */
  renderers?: GitopsRenderer[];
  /** Health checks from the extension point; asked before the built-in ones. */
  healthChecks?: GitopsHealthCheck[];
  /** Cluster suppliers from the extension point. */
  clusters?: GitopsClusterSupplier[];
  /** Lease length for syncs (default one minute); tests shorten it. */
  leaseTtlMs?: number;
}

/** The engine with its lifecycle, as the plugin wires it. */
export type StartableGitopsEngine = GitopsEngine & {
  start(): Promise<void>;
  stop(): Promise<void>;
};

function readDuration(
  config: Config,
  key: string,
  fallback: HumanDuration,
): HumanDuration {
  if (!config.has(key)) return fallback;
  try {
    return readDurationFromConfig(config, { key });
  } catch (error) {
    throw new Error(
      `${key} is not a duration: ${
        (error as Error).message
      }; use e.g. { minutes: 3 } or 'PT3M'`,
    );
  }
}

function readInterval(config: Config): HumanDuration {
  return readDuration(config, 'gitops.reconcile.interval', { minutes: 3 });
}

/** `gitops.clusterUnreachableAfter`: how long a cluster is retried before its applications are Unknown. */
function readClusterUnreachableAfter(config: Config): number {
  const ms = durationToMilliseconds(
    readDuration(config, 'gitops.clusterUnreachableAfter', { seconds: 60 }),
  );
  if (ms <= 0) {
    throw new Error('gitops.clusterUnreachableAfter must be positive');
  }
  return ms;
}

function readSyncTimeouts(config: Config) {
  const waveMs = durationToMilliseconds(
    readDuration(config, 'gitops.sync.waveTimeout', { minutes: 5 }),
  );
  const totalMs = durationToMilliseconds(
    readDuration(config, 'gitops.sync.timeout', { minutes: 30 }),
  );
  if (waveMs <= 0 || totalMs <= 0) {
    throw new Error(
      'gitops.sync.waveTimeout and gitops.sync.timeout must be positive',
    );
  }
  return { waveMs, totalMs };
}

/**
 * Builds the GitOps engine from config: clusters (`gitops.clusters`,
 * `gitops.kubeconfig`, suppliers), allowed repositories, reconcile interval
 * and concurrency, history retention; runs the database migrations.
 */
export async function createGitopsEngine(
  options: CreateGitopsEngineOptions,
): Promise<DefaultGitopsEngine & StartableGitopsEngine> {
  const { config, logger } = options;
  const store = await DatabaseGitopsStore.create({
    database: options.database,
  });
  const kubeConfigs = readClusters(config, { logger });
  for (const supplier of options.clusters ?? []) {
    for (const cluster of await supplier.getClusters()) {
      if (!kubeConfigs.has(cluster.name)) {
        kubeConfigs.set(cluster.name, kubeConfigForCluster(cluster));
      }
    }
  }
  const clusters = new Map(
    [...kubeConfigs].map(([name, kubeConfig]) => [
      name,
      new ClusterClient({ name, kubeConfig }),
    ]),
  );
  const git = new GitSource({
    workingDirectory: options.workingDirectory,
    allowedRepos: config.getOptionalStringArray('gitops.allowedRepos') ?? [],
    integrations: options.urlReaderIntegrations,
    logger,
    limits: readRenderLimits(config),
  });
  const concurrency =
    config.getOptionalNumber('gitops.reconcile.concurrency') ?? 4;
  const maxRuns =
    config.getOptionalNumber('gitops.history.maxRunsPerApplication') ?? 100;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error('gitops.reconcile.concurrency must be a positive integer');
  }
  if (!Number.isInteger(maxRuns) || maxRuns < 1) {
    throw new Error(
      'gitops.history.maxRunsPerApplication must be a positive integer',
    );
  }
  return new DefaultGitopsEngine({
    logger,
    store,
    git,
    clusters,
    renderers: [
      ...(options.renderers ?? []),
      ...defaultRenderers({
        config,
        allowRemoteBases:
          config.getOptionalBoolean('gitops.kustomize.allowRemoteBases') ??
          false,
      }),
    ],
    healthChecks: options.healthChecks ?? [],
    scheduler: options.scheduler,
    interval: readInterval(config),
    concurrency,
    maxRunsPerApplication: maxRuns,
    leaseTtlMs: options.leaseTtlMs,
    tenancy: readTenancyRules(config),
    renderLimits: readRenderLimits(config),
    syncTimeouts: readSyncTimeouts(config),
    ignoreDifferences: readIgnoreDifferencesConfig(config),
    syncWindows: readSyncWindows(config),
    clusterUnreachableAfterMs: readClusterUnreachableAfter(config),
  });
}
