/**
 * How lists behave under server-side apply and strategic merge patch, as the
 * Kubernetes OpenAPI schema declares it (`x-kubernetes-list-type`,
 * `x-kubernetes-list-map-keys`, `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`).
 *
 * Paths are field names from the object root, list items left out:
 * `spec.template.spec.containers.ports` for a container's ports.
 */

export type ListType =
  | { type: 'atomic' }
  | { type: 'map'; keys: string[] }
  | { type: 'set' };

export type PatchStrategy =
  | { strategy: 'replace' }
  | { strategy: 'merge'; mergeKey?: string };

/** What a schema lookup needs to know about the object. */
export type SchemaContext = {
  kind: string;
  custom?: boolean;
  customListTypes?: Record<string, ListType>;
};

const containerLists = new Set([
  'containers',
  'initContainers',
  'ephemeralContainers',
]);

const byName: Record<string, string[]> = {
  env: ['name'],
  volumes: ['name'],
  imagePullSecrets: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  hostAliases: ['ip'],
  resourceClaims: ['name'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};

const atomic: ListType = { type: 'atomic' };

/** The list type of the list at `path` in an object of the given kind. */
export function listTypeAt(ctx: SchemaContext, path: string[]): ListType {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 2 && path[0] === 'metadata') {
    if (last === 'ownerReferences') return { type: 'map', keys: ['uid'] };
    if (last === 'finalizers') return { type: 'set' };
    return atomic;
  }
  if (ctx.custom) {
    return ctx.customListTypes?.[path.join('.')] ?? atomic;
  }
  if (containerLists.has(last)) return { type: 'map', keys: ['name'] };
  if (last === 'ports') {
    if (containerLists.has(parent)) {
      return { type: 'map', keys: ['containerPort', 'protocol'] };
    }
    if (ctx.kind === 'Service' && path.join('.') === 'spec.ports') {
      return { type: 'map', keys: ['port', 'protocol'] };
    }
    return atomic;
  }
  if (last === 'conditions' && path[0] === 'status') {
    return { type: 'map', keys: ['type'] };
  }
  const keys = byName[last];
  if (keys && path.length > 2) return { type: 'map', keys };
  return atomic;
}

/** The strategic merge patch strategy of the list at `path`. */
export function patchStrategyAt(
  ctx: SchemaContext,
  path: string[],
): PatchStrategy {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 2 && path[0] === 'metadata') {
    if (last === 'ownerReferences')
      return { strategy: 'merge', mergeKey: 'uid' };
    if (last === 'finalizers') return { strategy: 'merge' };
    return { strategy: 'replace' };
  }
  if (ctx.custom) return { strategy: 'replace' };
  if (containerLists.has(last)) return { strategy: 'merge', mergeKey: 'name' };
  if (last === 'ports') {
    if (containerLists.has(parent)) {
      return { strategy: 'merge', mergeKey: 'containerPort' };
    }
    if (ctx.kind === 'Service' && path.join('.') === 'spec.ports') {
      return { strategy: 'merge', mergeKey: 'port' };
    }
    return { strategy: 'replace' };
  }
  if (last === 'conditions' && path[0] === 'status') {
    return { strategy: 'merge', mergeKey: 'type' };
  }
  const keys = byName[last];
  if (keys && path.length > 2) return { strategy: 'merge', mergeKey: keys[0] };
  return { strategy: 'replace' };
}

/**
 * Reads `x-kubernetes-list-type` annotations from a CRD's openAPIV3Schema, so
 * custom resources merge their lists the way their authors declared.
 */
export function listTypesFromCrdSchema(
  schema: unknown,
): Record<string, ListType> {
  const result: Record<string, ListType> = {};
  const walk = (node: any, path: string[]) => {
    if (!node || typeof node !== 'object') return;
    if (node.type === 'array') {
      const listType = node['x-kubernetes-list-type'];
      if (
        listType === 'map' &&
        Array.isArray(node['x-kubernetes-list-map-keys'])
      ) {
        result[path.join('.')] = {
          type: 'map',
          keys: node['x-kubernetes-list-map-keys'],
        };
      } else if (listType === 'set') {
        result[path.join('.')] = { type: 'set' };
      }
      walk(node.items, path);
      return;
    }
    for (const [name, child] of Object.entries<any>(node.properties ?? {})) {
      walk(child, [...path, name]);
    }
    if (
      node.additionalProperties &&
      typeof node.additionalProperties === 'object'
    ) {
      walk(node.additionalProperties, [...path, '*']);
    }
  };
  walk(schema, []);
  return result;
}
