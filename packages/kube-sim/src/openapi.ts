import { createHash } from 'node:crypto';
import { groupVersion, ResourceRegistry, ResourceType } from './resources';
import { KUBE_VERSION } from './discovery';
import { builtinDefinitions } from './fieldValidation';

/**
 * OpenAPI v3 documents, one per group/version: the paths and operations (with
 * their `x-kubernetes-group-version-kind` and query parameters), and the type
 * schemas of the built-in kinds served there (`builtinSchemas.json`), which
 * `kubectl explain` reads. kubectl also reads the operations to learn that the
 * server validates fields itself (`fieldValidation`), so it sends objects
 * without client-side schema checks. The patch operations declare no request
 * bodies, so kubectl's client-side apply keeps its compiled-in patch
 * strategies for built-ins instead of computing patches from these schemas.
 */

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const queryParameters = [
  'dryRun',
  'fieldManager',
  'fieldValidation',
  'force',
  'pretty',
  'labelSelector',
  'fieldSelector',
  'resourceVersion',
  'timeoutSeconds',
  'watch',
  'limit',
  'continue',
  'allowWatchBookmarks',
  'propagationPolicy',
];

const parameterTypes: Record<string, string> = {
  force: 'boolean',
  watch: 'boolean',
  allowWatchBookmarks: 'boolean',
  limit: 'integer',
  timeoutSeconds: 'integer',
};

function parameters() {
  return queryParameters.map(name => ({
    name,
    in: 'query',
    schema: { type: parameterTypes[name] ?? 'string', uniqueItems: true },
  }));
}

function operation(
  type: ResourceType,
  version: string,
  action: string,
  verb: string,
) {
  return {
    parameters: parameters(),
    tags: [groupVersion(type.group, version).replace('/', '_')],
    description: `${verb} ${type.kind}`,
    operationId: `${verb}${type.kind}`,
    responses: {
      '200': { description: 'OK' },
      '401': { description: 'Unauthorized' },
    },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': {
      group: type.group,
      version,
      kind: type.kind,
    },
  };
}

/** The document for one group/version, or undefined when nothing is served there. */
export function openApiV3Document(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.servedAt(group, version);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const prefix = `/${gvPath(group, version)}`;
  for (const type of types) {
    const base = type.namespaced
      ? `${prefix}/namespaces/{namespace}/${type.resource}`
      : `${prefix}/${type.resource}`;
    if (type.createOnly) {
      paths[base] = { post: operation(type, version, 'post', 'create') };
      continue;
    }
    paths[base] = {
      get: operation(type, version, 'list', 'list'),
      post: operation(type, version, 'post', 'create'),
      delete: operation(type, version, 'deletecollection', 'deleteCollection'),
    };
    paths[`${base}/{name}`] = {
      get: operation(type, version, 'get', 'read'),
      put: operation(type, version, 'put', 'replace'),
      patch: operation(type, version, 'patch', 'patch'),
      delete: operation(type, version, 'delete', 'delete'),
    };
    if (type.subresources.includes('status')) {
      paths[`${base}/{name}/status`] = {
        get: operation(type, version, 'get', 'readStatus'),
        put: operation(type, version, 'put', 'replaceStatus'),
        patch: operation(type, version, 'patch', 'patchStatus'),
      };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion },
    paths,
    components: {
      schemas: typeSchemas(
        group,
        version,
        types.filter(t => !t.custom).map(t => t.kind),
      ),
    },
  };
}

const schemaCache = new Map<string, Record<string, unknown>>();

/** The component schemas of the built-in kinds at a group/version and every definition they use. */
function typeSchemas(
  group: string,
  version: string,
  kinds: string[],
): Record<string, unknown> {
  const cacheKey = `${group}/${version}/${kinds.join(',')}`;
  const cached = schemaCache.get(cacheKey);
  if (cached) return cached;
  const { kinds: roots, definitions } = builtinDefinitions();
  const schemas: Record<string, unknown> = {};
  const pending: string[] = [];
  const gvkOf = new Map<string, string>();
  for (const kind of kinds) {
    const root = roots[`${group}/${version}/${kind}`];
    if (!root) continue;
    gvkOf.set(root, kind);
    pending.push(root);
  }
  const refer = (name: string) => {
    if (!(name in schemas)) pending.push(name);
    return `#/components/schemas/${name}`;
  };
  // As Kubernetes publishes them: a reference wrapped in allOf, so a
  // property keeps its own description.
  const convert = (schema: Record<string, any>): Record<string, any> => {
    const { $ref, items, additionalProperties, properties, ...rest } = schema;
    delete rest['x-kubernetes-quantity'];
    const out: Record<string, any> = rest;
    if ($ref) {
      out.allOf = [{ $ref: refer($ref) }];
      if (definitions[$ref]?.properties) out.default = {};
    }
    if (items) out.items = convert(items);
    if (additionalProperties)
      out.additionalProperties = convert(additionalProperties);
    if (properties) {
      out.properties = Object.fromEntries(
        Object.entries<Record<string, any>>(properties).map(([k, v]) => [
          k,
          convert(v),
        ]),
      );
    }
    return out;
  };
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name in schemas) continue;
    const schema = convert(definitions[name]);
    const kind = gvkOf.get(name);
    if (kind) {
      schema['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
    }
    schemas[name] = schema;
  }
  const sorted = Object.fromEntries(
    Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)),
  );
  schemaCache.set(cacheKey, sorted);
  return sorted;
}

/** GET /openapi/v3: the index of group/version documents. */
export function openApiV3Index(
  registry: ResourceRegistry,
): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  const seen = new Set<string>();
  for (const type of registry.all()) {
    for (const version of type.versions) {
      const path = gvPath(type.group, version);
      if (seen.has(path)) continue;
      seen.add(path);
      const doc = openApiV3Document(registry, type.group, version);
      const hash = createHash('sha512')
        .update(JSON.stringify(doc))
        .digest('hex')
        .slice(0, 64)
        .toUpperCase();
      paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
    }
  }
  return { paths };
}

/** GET /openapi/v2 (JSON only): the same paths in Swagger 2.0 form. */
export function openApiV2Document(
  registry: ResourceRegistry,
): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const type of registry.all()) {
    for (const version of type.versions) {
      const key = `${type.group}/${version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const doc = openApiV3Document(registry, type.group, version) as {
        paths: Record<string, unknown>;
      };
      Object.assign(paths, doc.paths);
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: KUBE_VERSION.gitVersion },
    paths,
    definitions: {},
  };
}
