import { KubeConfig } from '@kubernetes/client-node';
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

/** Clusters of `gitops.clusters` and of `gitops.kubeconfig` (one per context). */
export function readClusters(config: Config): Map<string, KubeConfig> {
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
  if (kubeconfigPath) {
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
  }
  return clusters;
}
