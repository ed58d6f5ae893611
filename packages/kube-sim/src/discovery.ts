import { createHash } from 'node:crypto';
import { groupVersion, ResourceRegistry, ResourceType } from './resources';

/** The Kubernetes version kube-sim reports (the minor matches the kubectl it is tested with). */
export const KUBE_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kube-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** Group names in the order discovery lists them: built-in groups first, then CRD groups. */
function groups(registry: ResourceRegistry): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const type of registry.all()) {
    if (type.group === '') continue;
    const versions = result.get(type.group) ?? [];
    for (const v of type.versions) if (!versions.includes(v)) versions.push(v);
    result.set(type.group, versions);
  }
  return result;
}

/** GET /api */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** GET /apis */
export function apiGroupList(
  registry: ResourceRegistry,
): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups(registry)].map(([name, versions]) =>
      apiGroup(name, versions),
    ),
  };
}

function apiGroup(name: string, versions: string[]) {
  const list = versions.map(version => ({
    groupVersion: `${name}/${version}`,
    version,
  }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** GET /apis/{group} */
export function apiGroupDocument(
  registry: ResourceRegistry,
  group: string,
): Record<string, unknown> | undefined {
  const versions = groups(registry).get(group);
  if (!versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) };
}

function storageVersionHash(type: ResourceType): string {
  return createHash('sha256')
    .update(`${type.group}/${type.versions[0]}/${type.kind}`)
    .digest('base64')
    .slice(0, 11);
}

function resourceEntries(type: ResourceType) {
  const entries: Record<string, unknown>[] = [
    {
      name: type.resource,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: type.verbs,
      ...(type.shortNames?.length ? { shortNames: type.shortNames } : {}),
      ...(type.categories?.length ? { categories: type.categories } : {}),
      ...(type.createOnly
        ? {}
        : { storageVersionHash: storageVersionHash(type) }),
    },
  ];
  for (const sub of type.subresources) {
    if (sub === 'status') {
      entries.push({
        name: `${type.resource}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get', 'patch', 'update'],
      });
    } else if (sub === 'scale') {
      entries.push({
        name: `${type.resource}/scale`,
        singularName: '',
        namespaced: type.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
    } else if (sub === 'log') {
      entries.push({
        name: `${type.resource}/log`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: ['get'],
      });
    } else if (sub === 'token') {
      entries.push({
        name: `${type.resource}/token`,
        singularName: '',
        namespaced: type.namespaced,
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      });
    }
  }
  return entries;
}

/** GET /api/v1 and /apis/{group}/{version} */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.servedAt(group, version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion(group, version),
    resources: types.flatMap(resourceEntries),
  };
}
