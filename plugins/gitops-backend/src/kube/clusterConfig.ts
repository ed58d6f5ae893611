import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import type { GitopsCluster } from '@mooring/plugin-gitops-node';

/** A KubeConfig reaching one cluster of `gitops.clusters` (or a supplier). */
export function kubeConfigForCluster(cluster: GitopsCluster): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.url,
        caData: cluster.caData,
        skipTLSVerify: cluster.skipTLSVerify ?? false,
      },
    ],
    users: [{ name: 'mooring', token: cluster.serviceAccountToken }],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: 'mooring' }],
    currentContext: cluster.name,
  });
  return kubeConfig;
}

/** Options of {@link readClusters}. */
export interface ReadClustersOptions {
  /**
   * Where the warning about a missing `gitops.kubeconfig` file goes; without
   * one it is a Node.js process warning (printed on stderr).
   */
  logger?: LoggerService;
}

// The catalog reads the clusters on every annotation check: say it once per file.
const warnedMissingFiles = new Set<string>();

/** The text of the warning about a missing `gitops.kubeconfig` file. */
export function missingKubeconfigWarning(configured: string): string {
  const resolved = path.resolve(configured);
  const shown =
    resolved === configured ? configured : `${configured} (${resolved})`;
  return (
    `gitops.kubeconfig ${shown} does not exist, so Mooring knows no clusters ` +
    `from it; applications naming one of its contexts stay Unknown. Create the ` +
    `file (./scripts/start writes one for the simulated clusters), point ` +
    `gitops.kubeconfig at an existing file, or remove the key and list ` +
    `gitops.clusters instead. It is read again when the catalog next checks ` +
    `annotations.`
  );
}

/**
 * Clusters of `gitops.clusters` and of `gitops.kubeconfig` (one per context).
 * A `gitops.kubeconfig` file that does not exist is a warning, not an error,
 * so a backend started without the dev stack still starts; one that cannot
 * be read or parsed is an error.
 */
export function readClusters(
  config: Config,
  options: ReadClustersOptions = {},
): Map<string, KubeConfig> {
  const clusters = new Map<string, KubeConfig>();
  for (const cluster of config.getOptionalConfigArray('gitops.clusters') ??
    []) {
    const name = cluster.getString('name');
    clusters.set(
      name,
      kubeConfigForCluster({
        name,
        url: cluster.getString('url'),
        serviceAccountToken: cluster.getOptionalString('serviceAccountToken'),
        caData: cluster.getOptionalString('caData'),
        skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify'),
      }),
    );
  }
  const kubeconfigPath = config.getOptionalString('gitops.kubeconfig');
  if (!kubeconfigPath) {
    return clusters;
  }
  if (!fs.existsSync(kubeconfigPath)) {
    if (!warnedMissingFiles.has(kubeconfigPath)) {
      warnedMissingFiles.add(kubeconfigPath);
      const warning = missingKubeconfigWarning(kubeconfigPath);
      if (options.logger) {
        options.logger.warn(warning);
      } else {
        process.emitWarning(warning, { code: 'MOORING_KUBECONFIG_MISSING' });
      }
    }
    return clusters;
  }
  warnedMissingFiles.delete(kubeconfigPath);
  const file = new KubeConfig();
  try {
    file.loadFromFile(kubeconfigPath);
  } catch (error) {
    throw new Error(
      `Could not read gitops.kubeconfig ${kubeconfigPath}: ${
        (error as Error).message
      }`,
    );
  }
  for (const context of file.getContexts()) {
    if (clusters.has(context.name)) continue;
    const one = new KubeConfig();
    one.loadFromString(file.exportConfig());
    one.setCurrentContext(context.name);
    clusters.set(context.name, one);
  }
  return clusters;
}
