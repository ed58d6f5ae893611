import builtinSchemas from './builtinSchemas.json';
import { listTypeAt, SchemaContext } from './schema';
import { isPlainObject } from './types';

/**
 * Checks objects against the OpenAPI type schemas of the built-in kinds
 * (`builtinSchemas.json`, generated from `@kubernetes/client-node`'s models),
 * as the API server's decoders do: fields a type does not declare, and values
 * of the wrong JSON type. The wording of the errors is the API server's: the
 * strict JSON decoder's for create, update and patch (`unknown field
 * "spec.x[0].y"`, `json: cannot unmarshal string into Go struct field ...`)
 * and structured-merge-diff's for server-side apply (`.spec.x[name="a"].y:
 * field not declared in schema`).
 *
 * Each definition is compiled once into a tree of nodes shared by all kinds.
 */

/** The `fieldValidation` a write asks for. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

type SchemaJson = {
  type?: string;
  format?: string;
  $ref?: string;
  items?: SchemaJson;
  additionalProperties?: SchemaJson;
  properties?: Record<string, SchemaJson>;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-quantity'?: boolean;
};

export type SchemaNode =
  | {
      t: 'object';
      go: string;
      props: Map<string, SchemaNode>;
      /** Fields it does not declare are kept (`x-kubernetes-preserve-unknown-fields`, embedded resources). */
      open?: boolean;
    }
  | { t: 'map'; value: SchemaNode }
  | { t: 'array'; items: SchemaNode }
  | {
      t: 'string' | 'integer' | 'number' | 'boolean' | 'intOrString';
      go: string;
    }
  | { t: 'quantity' }
  | { t: 'any' };

const definitions = builtinSchemas.definitions as Record<string, SchemaJson>;
const kindRoots = builtinSchemas.kinds as Record<string, string>;
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

const compiled = new Map<string, SchemaNode>();

/** `io.k8s.api.apps.v1.DeploymentSpec` → `v1.DeploymentSpec`, as Go names the type. */
function goTypeName(definition: string): string {
  const parts = definition.split('.');
  return parts.slice(-2).join('.');
}

function compileDefinition(name: string): SchemaNode {
  const known = compiled.get(name);
  if (known) return known;
  const schema = definitions[name];
  if (!schema) throw new Error(`no schema definition ${name}`);
  if (!schema.properties) {
    const node = compileSchema(schema, goTypeName(name));
    compiled.set(name, node);
    return node;
  }
  // Registered before its properties are compiled: definitions are recursive.
  const node: SchemaNode = {
    t: 'object',
    go: goTypeName(name),
    props: new Map(),
  };
  compiled.set(name, node);
  for (const [field, child] of Object.entries(schema.properties)) {
    node.props.set(field, compileSchema(child));
  }
  return node;
}

function compileSchema(schema: SchemaJson, goName?: string): SchemaNode {
  if (schema.$ref) return compileDefinition(schema.$ref);
  if (schema['x-kubernetes-int-or-string'])
    return { t: 'intOrString', go: goName ?? 'intstr.IntOrString' };
  if (schema['x-kubernetes-quantity']) return { t: 'quantity' };
  switch (schema.type) {
    case 'array':
      return { t: 'array', items: compileSchema(schema.items ?? {}) };
    case 'object':
      if (schema.additionalProperties)
        return { t: 'map', value: compileSchema(schema.additionalProperties) };
      return { t: 'any' };
    case 'string':
      return { t: 'string', go: goName ?? 'string' };
    case 'boolean':
      return { t: 'boolean', go: goName ?? 'bool' };
    case 'number':
      return { t: 'number', go: goName ?? 'float64' };
    case 'integer':
      return {
        t: 'integer',
        go: goName ?? (schema.format === 'int32' ? 'int32' : 'int64'),
      };
    default:
      return { t: 'any' };
  }
}

const compiledCrdSchemas = new WeakMap<object, SchemaNode>();

/**
 * A custom resource's schema from its CRD's structural `openAPIV3Schema`:
 * what it does not declare is pruned (or refused), unless the schema
 * preserves unknown fields there. `apiVersion`, `kind` and `metadata` are
 * always declared.
 */
function crdSchema(kind: string, schema: unknown): SchemaNode | undefined {
  if (!isPlainObject(schema)) return undefined;
  const known = compiledCrdSchemas.get(schema);
  if (known) return known;
  const root = compileCrdNode(schema, kind);
  if (root.t !== 'object') return undefined;
  root.props.set('apiVersion', { t: 'string', go: 'string' });
  root.props.set('kind', { t: 'string', go: 'string' });
  root.props.set('metadata', compileDefinition(OBJECT_META));
  compiledCrdSchemas.set(schema, root);
  return root;
}

function compileCrdNode(schema: Record<string, any>, kind: string): SchemaNode {
  if (schema['x-kubernetes-int-or-string'])
    return { t: 'intOrString', go: 'intstr.IntOrString' };
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  switch (schema.type) {
    case 'object': {
      if (isPlainObject(schema.additionalProperties)) {
        return {
          t: 'map',
          value: compileCrdNode(schema.additionalProperties, kind),
        };
      }
      if (schema.additionalProperties === true) return { t: 'any' };
      const props = new Map<string, SchemaNode>();
      for (const [field, child] of Object.entries<any>(
        schema.properties ?? {},
      )) {
        if (isPlainObject(child)) props.set(field, compileCrdNode(child, kind));
      }
      return { t: 'object', go: kind, props, open: preserve || embedded };
    }
    case 'array':
      return {
        t: 'array',
        items: isPlainObject(schema.items)
          ? compileCrdNode(schema.items, kind)
          : { t: 'any' },
      };
    case 'string':
      return { t: 'string', go: 'string' };
    case 'boolean':
      return { t: 'boolean', go: 'bool' };
    case 'integer':
      return { t: 'integer', go: 'int64' };
    case 'number':
      return { t: 'number', go: 'float64' };
    default:
      return { t: 'any' };
  }
}

/** The schema of a built-in kind at a group/version, or undefined (custom resources, unknown kinds). */
export function kindSchema(
  group: string,
  version: string,
  kind: string,
): SchemaNode | undefined {
  const root = kindRoots[`${group}/${version}/${kind}`];
  return root ? compileDefinition(root) : undefined;
}

/** A step on the way to a field: a field name, a map key or a list item. */
export type PathSegment =
  | { field: string }
  | { key: string }
  | { index: number; item: unknown };

export type FieldProblem =
  | { problem: 'unknown'; path: PathSegment[] }
  | {
      problem: 'type';
      path: PathSegment[];
      expected: SchemaNode;
      value: unknown;
      /** The Go struct that holds the field, as the JSON decoder names it. */
      struct: string;
    };

export type FieldCheckOptions = {
  /** Delete undeclared fields from the object (what the API server stores when it does not refuse them). */
  prune?: boolean;
  /** Report only the first undeclared field of each object, as structured-merge-diff does. */
  firstUnknownPerObject?: boolean;
};

const quantityPattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

class Walker {
  readonly path: PathSegment[] = [];

  constructor(
    private readonly problems: FieldProblem[],
    private readonly options: FieldCheckOptions,
  ) {}

  private typeProblem(expected: SchemaNode, value: unknown, struct: string) {
    this.problems.push({
      problem: 'type',
      path: [...this.path],
      expected,
      value,
      struct,
    });
  }

  walk(node: SchemaNode, value: unknown, struct: string): void {
    if (value === null || value === undefined) return;
    switch (node.t) {
      case 'object': {
        if (!isPlainObject(value)) {
          this.typeProblem(node, value, struct);
          return;
        }
        const name = node.go.slice(node.go.indexOf('.') + 1);
        for (const field of Object.keys(value)) {
          const child = node.props.get(field);
          if (!child && node.open) continue;
          if (!child) {
            this.problems.push({
              problem: 'unknown',
              path: [...this.path, { field }],
            });
            if (this.options.prune) delete value[field];
            if (this.options.firstUnknownPerObject) break;
            continue;
          }
          this.path.push({ field });
          this.walk(child, value[field], name);
          this.path.pop();
        }
        return;
      }
      case 'map':
        if (!isPlainObject(value)) {
          this.typeProblem(node, value, struct);
          return;
        }
        if (node.value.t === 'any') return;
        for (const key of Object.keys(value)) {
          this.path.push({ key });
          this.walk(node.value, value[key], struct);
          this.path.pop();
        }
        return;
      case 'array':
        if (!Array.isArray(value)) {
          this.typeProblem(node, value, struct);
          return;
        }
        value.forEach((item, index) => {
          this.path.push({ index, item });
          this.walk(node.items, item, struct);
          this.path.pop();
        });
        return;
      case 'string':
        if (typeof value !== 'string') this.typeProblem(node, value, struct);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.typeProblem(node, value, struct);
        return;
      case 'number':
        if (typeof value !== 'number') this.typeProblem(node, value, struct);
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value))
          this.typeProblem(node, value, struct);
        return;
      case 'intOrString':
        if (
          typeof value !== 'string' &&
          !(typeof value === 'number' && Number.isInteger(value))
        )
          this.typeProblem(node, value, struct);
        return;
      case 'quantity':
        if (
          typeof value !== 'number' &&
          !(typeof value === 'string' && quantityPattern.test(value))
        )
          this.typeProblem(node, value, struct);
        return;
      default:
        return;
    }
  }
}

/**
 * The undeclared fields and wrongly typed values of an object. Built-in kinds
 * are checked against their schemas, custom resources against their CRD's
 * (in `metadata` only when it has none).
 */
export function findFieldProblems(
  target: {
    group: string;
    version: string;
    kind: string;
    custom?: boolean;
    customSchemas?: Record<string, unknown>;
  },
  obj: unknown,
  options: FieldCheckOptions = {},
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isPlainObject(obj)) return problems;
  const root = target.custom
    ? crdSchema(target.kind, target.customSchemas?.[target.version])
    : kindSchema(target.group, target.version, target.kind);
  const walker = new Walker(problems, options);
  if (root) {
    walker.walk(root, obj, target.kind);
  } else if (obj.metadata !== undefined) {
    walker.path.push({ field: 'metadata' });
    walker.walk(compileDefinition(OBJECT_META), obj.metadata, target.kind);
  }
  return problems;
}

/** The path as the strict JSON decoder prints it: `spec.template.spec.containers[0].imagePullPolcy`. */
export function decoderPath(path: PathSegment[]): string {
  let result = '';
  for (const segment of path) {
    if ('index' in segment) result += `[${segment.index}]`;
    else {
      const name = 'field' in segment ? segment.field : segment.key;
      result += result ? `.${name}` : name;
    }
  }
  return result;
}

/**
 * The path as structured-merge-diff prints it: list items of keyed lists by
 * their keys, `.spec.template.spec.containers[name="web"].imagePullPolcy`.
 */
export function applyPath(path: PathSegment[], ctx: SchemaContext): string {
  let result = '';
  const fields: string[] = [];
  for (const segment of path) {
    if ('field' in segment || 'key' in segment) {
      const name = 'field' in segment ? segment.field : segment.key;
      fields.push(name);
      result += `.${name}`;
      continue;
    }
    const listType = listTypeAt(ctx, fields);
    const item = segment.item;
    if (listType.type === 'map' && isPlainObject(item)) {
      const keys = listType.keys.map(key => {
        // structured-merge-diff fills a missing protocol with its default.
        const value = item[key] ?? (key === 'protocol' ? 'TCP' : undefined);
        return value === undefined
          ? undefined
          : `${key}=${JSON.stringify(value)}`;
      });
      if (keys.every(Boolean)) {
        result += `[${keys.join(',')}]`;
        continue;
      }
    }
    if (listType.type === 'set' && typeof item !== 'object') {
      result += `[${JSON.stringify(item)}]`;
      continue;
    }
    result += `[${segment.index}]`;
  }
  return result;
}

/** What Go's encoding/json calls a JSON value in an UnmarshalTypeError. */
function jsonValueKind(value: unknown, expected: SchemaNode): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number')
    return expected.t === 'integer' ? `number ${value}` : 'number';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

function goType(node: SchemaNode): string {
  switch (node.t) {
    case 'object':
      return node.go;
    case 'map':
      return `map[string]${goType(node.value)}`;
    case 'array':
      return `[]${goType(node.items)}`;
    case 'quantity':
      return 'resource.Quantity';
    case 'any':
      return 'interface {}';
    default:
      return node.go;
  }
}

/** The message of the strict JSON decoder for one problem. */
export function decoderMessage(problem: FieldProblem): string {
  if (problem.problem === 'unknown')
    return `unknown field "${decoderPath(problem.path)}"`;
  const { expected, value } = problem;
  if (expected.t === 'quantity') {
    return `quantities must match the regular expression '${quantityPattern.source}'`;
  }
  if (expected.t === 'intOrString') {
    return `json: cannot unmarshal ${jsonValueKind(
      value,
      expected,
    )} into Go value of type int32`;
  }
  const fields = problem.path
    .filter(segment => 'field' in segment)
    .map(segment => (segment as { field: string }).field);
  return `json: cannot unmarshal ${jsonValueKind(
    value,
    expected,
  )} into Go struct field ${problem.struct}.${fields.join(
    '.',
  )} of type ${goType(expected)}`;
}

/** The JSON type of a value, as OpenAPI validation names it. */
function openApiType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number')
    return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * A custom resource's value of the wrong type, as the CRD's schema
 * validation reports it (a field cause of a 422).
 */
export function schemaTypeCause(problem: FieldProblem): {
  field: string;
  message: string;
} {
  const field = decoderPath(problem.path);
  if (problem.problem !== 'type') {
    return { field, message: 'Invalid value: field not declared in schema' };
  }
  const expected: Record<string, string> = {
    object: 'object',
    map: 'object',
    array: 'array',
    intOrString: 'integer,string',
  };
  const type = expected[problem.expected.t] ?? problem.expected.t;
  const actual = openApiType(problem.value);
  return {
    field,
    message: `Invalid value: "${actual}": ${field} in body must be of type ${type}: "${actual}"`,
  };
}

/** `%v` of a Go unstructured value. */
export function goValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goValue).join(' ')}]`;
  if (isPlainObject(value)) {
    return `map[${Object.keys(value)
      .sort()
      .map(key => `${key}:${goValue(value[key])}`)
      .join(' ')}]`;
  }
  return String(value);
}

function goUnstructuredType(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number')
    return Number.isInteger(value) ? 'int64' : 'float64';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** structured-merge-diff's message for one problem, without the path. */
function applyProblemMessage(problem: FieldProblem): string {
  if (problem.problem === 'unknown') return 'field not declared in schema';
  const { expected, value } = problem;
  switch (expected.t) {
    case 'integer':
    case 'number':
      // structured-merge-diff takes any number; a fraction for an integer
      // fails when the object is decoded, in the decoder's words.
      if (typeof value === 'number') return decoderMessage(problem);
      return `expected numeric (int or float), got ${goUnstructuredType(
        value,
      )}`;
    case 'string':
      return `expected string, got &value.valueUnstructured{Value:${
        typeof value === 'object' ? goValue(value) : JSON.stringify(value)
      }}`;
    case 'boolean':
      return `expected boolean, got &{${goValue(value)}}`;
    case 'object':
    case 'map':
      return `expected map, got &{${goValue(value)}}`;
    case 'array':
      return `expected list, got &{${goValue(value)}}`;
    default:
      return `expected any scalar, got &{${goValue(value)}}`;
  }
}

/** structured-merge-diff's errors for a set of problems (one line, or `errors:` and one per line). */
export function applyMessage(
  problems: FieldProblem[],
  ctx: SchemaContext,
): string {
  const lines = problems.map(
    problem =>
      `${applyPath(problem.path, ctx)}: ${applyProblemMessage(problem)}`,
  );
  if (lines.length === 1) return lines[0];
  return ['errors:', ...lines.map(line => `  ${line}`)].join('\n');
}

/** The OpenAPI definitions of the built-in kinds, for serving `/openapi/v3`. */
export function builtinDefinitions(): {
  kinds: Record<string, string>;
  definitions: Record<string, Record<string, any>>;
} {
  return {
    kinds: kindRoots,
    definitions: definitions as Record<string, Record<string, any>>,
  };
}
