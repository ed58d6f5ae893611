/*
 * Generates src/builtinSchemas.json: the OpenAPI type schemas of every
 * built-in kind kube-sim serves, read from the models of
 * `@kubernetes/client-node`, which openapi-generator builds from Kubernetes'
 * own OpenAPI document. Each model's `attributeTypeMap` gives every field's
 * JSON name, type and format; its `.d.ts` gives the descriptions (JSDoc) and
 * which fields are required (no `?`).
 *
 * What the models lose is put back here, from the Kubernetes API reference:
 * which string fields are really quantities (`resource.Quantity` takes a
 * string or a number), and the package (`io.k8s.api.apps.v1`, ...) each
 * definition lives in.
 *
 * Run: yarn --cwd packages/kube-sim schemas:generate
 */
import fs from 'node:fs';
import path from 'node:path';

const modelsDir = path.join(
  path.dirname(require.resolve('@kubernetes/client-node/package.json')),
  'dist/gen/models',
);
const clientVersion: string = JSON.parse(
  fs.readFileSync(
    require.resolve('@kubernetes/client-node/package.json'),
    'utf8',
  ),
).version;

/** The served built-in kinds and their root models, core kinds first (see `packageOf`). */
const kinds: Array<
  [group: string, version: string, kind: string, model: string]
> = [
  ['', 'v1', 'Namespace', 'V1Namespace'],
  ['', 'v1', 'ConfigMap', 'V1ConfigMap'],
  ['', 'v1', 'Secret', 'V1Secret'],
  ['', 'v1', 'Service', 'V1Service'],
  ['', 'v1', 'ServiceAccount', 'V1ServiceAccount'],
  ['', 'v1', 'Pod', 'V1Pod'],
  ['', 'v1', 'PodTemplate', 'V1PodTemplate'],
  ['', 'v1', 'PersistentVolumeClaim', 'V1PersistentVolumeClaim'],
  ['', 'v1', 'Event', 'CoreV1Event'],
  ['events.k8s.io', 'v1', 'Event', 'EventsV1Event'],
  ['apps', 'v1', 'Deployment', 'V1Deployment'],
  ['apps', 'v1', 'ReplicaSet', 'V1ReplicaSet'],
  ['apps', 'v1', 'StatefulSet', 'V1StatefulSet'],
  ['apps', 'v1', 'DaemonSet', 'V1DaemonSet'],
  ['autoscaling', 'v1', 'Scale', 'V1Scale'],
  ['batch', 'v1', 'Job', 'V1Job'],
  ['batch', 'v1', 'CronJob', 'V1CronJob'],
  ['networking.k8s.io', 'v1', 'Ingress', 'V1Ingress'],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'V2HorizontalPodAutoscaler'],
  ['rbac.authorization.k8s.io', 'v1', 'Role', 'V1Role'],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'V1ClusterRole'],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'V1RoleBinding'],
  [
    'rbac.authorization.k8s.io',
    'v1',
    'ClusterRoleBinding',
    'V1ClusterRoleBinding',
  ],
  [
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'V1CustomResourceDefinition',
  ],
  [
    'authorization.k8s.io',
    'v1',
    'SelfSubjectAccessReview',
    'V1SelfSubjectAccessReview',
  ],
  [
    'authorization.k8s.io',
    'v1',
    'SelfSubjectRulesReview',
    'V1SelfSubjectRulesReview',
  ],
  ['authentication.k8s.io', 'v1', 'SelfSubjectReview', 'V1SelfSubjectReview'],
  [
    'authentication.k8s.io',
    'v1',
    'TokenRequest',
    'AuthenticationV1TokenRequest',
  ],
];

/** apimachinery's types, which every group uses. */
const metaModels = new Set([
  'V1ObjectMeta',
  'V1ManagedFieldsEntry',
  'V1OwnerReference',
  'V1LabelSelector',
  'V1LabelSelectorRequirement',
  'V1Condition',
  'V1ListMeta',
  'V1Status',
  'V1StatusDetails',
  'V1StatusCause',
]);

/** Fields typed `resource.Quantity` in Kubernetes (the models make them strings). */
const quantityFields: Record<string, string[]> = {
  V1ResourceRequirements: ['limits', 'requests'],
  V1VolumeResourceRequirements: ['limits', 'requests'],
  V1EmptyDirVolumeSource: ['sizeLimit'],
  V1PersistentVolumeClaimStatus: ['capacity', 'allocatedResources'],
  V1ContainerStatus: ['allocatedResources'],
  V1PodSpec: ['overhead'],
  V2MetricTarget: ['value', 'averageValue'],
  V2MetricValueStatus: ['value', 'averageValue'],
};

type Attribute = {
  name: string;
  baseName: string;
  type: string;
  format: string;
};
type Schema = Record<string, any>;

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
const MICRO_TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime';

const definitions: Record<string, Schema> = {
  [INT_OR_STRING]: {
    description:
      'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    type: 'string',
    format: 'int-or-string',
    'x-kubernetes-int-or-string': true,
  },
  [QUANTITY]: {
    description:
      "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors, e.g. '1', '100m', '1Gi'.",
    type: 'string',
    'x-kubernetes-quantity': true,
  },
  [TIME]: {
    description:
      'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    type: 'string',
    format: 'date-time',
  },
  [MICRO_TIME]: {
    description:
      'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  },
};

/** Model name → its definition name (`V1DeploymentSpec` → `io.k8s.api.apps.v1.DeploymentSpec`). */
const definitionNames = new Map<string, string>();

const modelName =
  /^(Core|Events|Rbac|Storage|Discovery|Authentication|Flowcontrol|Apps|Admissionregistration|Apiextensions|Apiregistration|Resource)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/;

function packageOf(model: string, rootGroup: string): string {
  const match = modelName.exec(model);
  if (!match) throw new Error(`unexpected model name ${model}`);
  const version = match[2].toLowerCase();
  if (metaModels.has(model))
    return `io.k8s.apimachinery.pkg.apis.meta.${version}`;
  if (rootGroup === 'apiextensions.k8s.io')
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}`;
  const prefix = match[1]?.toLowerCase();
  const prefixGroups: Record<string, string> = {
    core: '',
    events: 'events.k8s.io',
  };
  const group =
    prefix && prefix in prefixGroups ? prefixGroups[prefix] : rootGroup;
  const pkg =
    group === ''
      ? 'core'
      : group.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '');
  return `io.k8s.api.${pkg}.${version}`;
}

function readModel(model: string): { attributes: Attribute[]; dts: string } {
  const js = fs.readFileSync(path.join(modelsDir, `${model}.js`), 'utf8');
  const start = js.indexOf(`${model}.attributeTypeMap = [`);
  if (start < 0) throw new Error(`${model}.js has no attributeTypeMap`);
  const open = js.indexOf('[', start);
  const close = js.indexOf('];', open);
  const attributes = JSON.parse(js.slice(open, close + 1)) as Attribute[];
  const dts = fs.readFileSync(path.join(modelsDir, `${model}.d.ts`), 'utf8');
  return { attributes, dts };
}

function cleanComment(text: string): string {
  return text
    .split('\n')
    .map(line => line.replace(/^\s*\*\s?/, ''))
    .join('\n')
    .trim();
}

/** Descriptions and required names from the model's declaration file. */
function readDeclarations(dts: string) {
  const head = dts.slice(0, dts.indexOf('export declare class'));
  const comment = head.slice(
    head.lastIndexOf('/**') + 3,
    head.lastIndexOf('*/'),
  );
  const description = head.includes('/**') ? cleanComment(comment) : undefined;
  const body = dts.slice(dts.indexOf('export declare class'));
  const fields = new Map<string, { description?: string; optional: boolean }>();
  const field = /(?:\/\*\*([\s\S]*?)\*\/\s*)?'([^']+)'(\??):/g;
  for (const match of body.matchAll(field)) {
    fields.set(match[2], {
      description: match[1] ? cleanComment(match[1]) : undefined,
      optional: match[3] === '?',
    });
  }
  return { description, fields };
}

const queue: Array<[model: string, group: string]> = [];

function refTo(model: string, group: string): string {
  let name = definitionNames.get(model);
  if (!name) {
    const match = modelName.exec(model)!;
    name = `${packageOf(model, group)}.${match[3]}`;
    definitionNames.set(model, name);
    queue.push([model, group]);
  }
  return name;
}

function typeOf(attr: Attribute, group: string, quantity: boolean): Schema {
  const { type, format } = attr;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    return {
      type: 'array',
      items: typeOf({ ...attr, type: array[1] }, group, quantity),
    };
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    return {
      type: 'object',
      additionalProperties: typeOf({ ...attr, type: map[1] }, group, quantity),
    };
  }
  if (quantity) {
    if (type !== 'string')
      throw new Error(`quantity field ${attr.name} is ${type}`);
    return { $ref: QUANTITY };
  }
  switch (type) {
    case 'string':
      return format ? { type: 'string', format } : { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'number':
      return format === 'double'
        ? { type: 'number', format }
        : { type: 'integer', ...(format ? { format } : {}) };
    case 'Date':
    case 'V1MicroTime':
      return { $ref: format === 'date-time-micro' ? MICRO_TIME : TIME };
    case 'IntOrString':
      return { $ref: INT_OR_STRING };
    case 'any':
      // RawExtension, JSON: any value, kept as it is.
      return { 'x-kubernetes-preserve-unknown-fields': true };
    default:
      if (!modelName.test(type)) throw new Error(`unknown type ${type}`);
      return { $ref: refTo(type, group) };
  }
}

const kindRoots: Record<string, string> = {};
for (const [group, version, kind, model] of kinds) {
  kindRoots[`${group}/${version}/${kind}`] = refTo(model, group);
}

while (queue.length > 0) {
  const [model, group] = queue.shift()!;
  const { attributes, dts } = readModel(model);
  const declarations = readDeclarations(dts);
  const quantities = new Set(quantityFields[model] ?? []);
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const attr of attributes) {
    const declared = declarations.fields.get(attr.name);
    if (!declared)
      throw new Error(`${model}.d.ts does not declare ${attr.name}`);
    const schema = typeOf(attr, group, quantities.delete(attr.baseName));
    // For int-or-string fields the models repeat the type's description in
    // place of the field's; kubectl prints the type's description anyway.
    if (
      declared.description &&
      declared.description !== definitions[schema.$ref]?.description
    )
      schema.description = declared.description;
    properties[attr.baseName] = schema;
    if (!declared.optional) required.push(attr.baseName);
  }
  if (quantities.size > 0) {
    throw new Error(`${model} has no fields ${[...quantities].join(', ')}`);
  }
  definitions[definitionNames.get(model)!] = {
    ...(declarations.description
      ? { description: declarations.description }
      : {}),
    type: 'object',
    ...(required.length ? { required } : {}),
    properties,
  };
}

const sorted = Object.fromEntries(
  Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)),
);
const out = {
  source: `@kubernetes/client-node ${clientVersion} models (Kubernetes OpenAPI ${
    /OpenAPI spec version: (\S+)/.exec(readModel('V1Pod').dts)?.[1] ?? 'unknown'
  }), generated by scripts/generateBuiltinSchemas.ts`,
  kinds: kindRoots,
  definitions: sorted,
};
const target = path.join(__dirname, '../src/builtinSchemas.json');
fs.writeFileSync(target, `${JSON.stringify(out, null, 1)}\n`);
process.stdout.write(
  `wrote ${Object.keys(sorted).length} definitions for ${
    kinds.length
  } kinds to ${target}\n`,
);
