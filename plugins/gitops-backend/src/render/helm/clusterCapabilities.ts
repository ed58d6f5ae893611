import {
  ApisApi,
  CoreApi,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  V1APIResourceList,
  VersionApi,
} from '@kubernetes/client-node';
import type { ClusterCapabilities } from '@mooring/plugin-gitops-node';

/**
 * The version Helm is told the cluster runs: the server's `gitVersion`
 * without its vendor suffix (`v1.29.3-eks-adc7111` → `v1.29.3`), since a
 * semver pre-release never meets a chart's `kubeVersion: '>=1.25.0'`.
 */
export function kubeVersionOf(version: {
  gitVersion?: string;
  major?: string;
  minor?: string;
}): string {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.gitVersion ?? '');
  if (match) return `v${match[1]}.${match[2]}.${match[3]}`;
  const major = /^\d+/.exec(version.major ?? '')?.[0];
  const minor = /^\d+/.exec(version.minor ?? '')?.[0];
  if (major && minor) return `v${major}.${minor}.0`;
  throw new Error(
    `the cluster reports version "${
      version.gitVersion ?? ''
    }", which is not a Kubernetes version`,
  );
}

function resourceEntries(groupVersion: string, list: V1APIResourceList) {
  return list.resources
    .filter(resource => !resource.name.includes('/'))
    .map(resource => `${groupVersion}/${resource.kind}`);
}

/**
 * Reads what Helm's `.Capabilities` would see on the cluster: its version
 * and every served group/version and group/version/kind, as `helm install`
 * gathers them from discovery.
 */
export async function readClusterCapabilities(
  kubeConfig: KubeConfig,
): Promise<ClusterCapabilities> {
  const version = await kubeConfig.makeApiClient(VersionApi).getCode();
  const apiVersions = new Set<string>();
  const core = await kubeConfig.makeApiClient(CoreApi).getAPIVersions();
  if (core.versions.includes('v1')) {
    apiVersions.add('v1');
    const resources = await kubeConfig
      .makeApiClient(CoreV1Api)
      .getAPIResources();
    resourceEntries('v1', resources).forEach(entry => apiVersions.add(entry));
  }
  const groups = await kubeConfig.makeApiClient(ApisApi).getAPIVersions();
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const lists = await Promise.all(
    groups.groups.flatMap(group =>
      group.versions.map(async ({ groupVersion, version: v }) => {
        apiVersions.add(groupVersion);
        return resourceEntries(
          groupVersion,
          await custom.getAPIResources({ group: group.name, version: v }),
        );
      }),
    ),
  );
  lists.flat().forEach(entry => apiVersions.add(entry));
  return {
    kubeVersion: kubeVersionOf(version),
    apiVersions: [...apiVersions].sort(),
  };
}

const CACHE_MS = 5 * 60_000;
const cache = new WeakMap<
  KubeConfig,
  { at: number; capabilities: Promise<ClusterCapabilities> }
>();

/**
 * {@link readClusterCapabilities}, read once per cluster every five minutes
 * (a CRD installed meanwhile shows after that); a failed read is not kept.
 */
export function clusterCapabilitiesOf(
  clusterName: string,
  kubeConfig: KubeConfig,
): Promise<ClusterCapabilities> {
  const cached = cache.get(kubeConfig);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.capabilities;
  const capabilities = readClusterCapabilities(kubeConfig).catch(error => {
    cache.delete(kubeConfig);
    throw new Error(
      `Could not read the version and APIs of cluster ${clusterName} for Helm: ${
        (error as Error).message
      }`,
    );
  });
  cache.set(kubeConfig, { at: Date.now(), capabilities });
  return capabilities;
}
