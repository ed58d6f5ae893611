import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../kube/kubeObject';

/**
 * One step of a path in server-side apply's FieldsV1 notation: a map field
 * (`f:replicas`), an item of an associative list by its keys
 * (`k:{"name":"web"}`), an item of a set by its value (`v:"finalizer"`), or
 * a list item by position (`i:0`).
 */
export type FieldPathElement =
  | { field: string }
  | { key: Record<string, unknown> }
  | { value: unknown }
  | { index: number };

/** A field a manager owns. */
export interface OwnedField {
  path: FieldPathElement[];
  /**
   * True for a leaf: the value there is owned whole, with everything in it.
   * False for a node marked `.`: the node itself is owned, and its owned
   * children are listed apart.
   */
  whole: boolean;
}

/** The fields one field manager owns, from `metadata.managedFields`. */
export interface ManagedFields {
  manager: string;
  operation?: string;
  subresource?: string;
  fields: OwnedField[];
}

/** A concrete place in a JSON value: map keys and array indexes. */
export type ValuePath = Array<string | number>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseToken(token: string): FieldPathElement {
  const body = token.slice(2);
  const fail = () =>
    new Error(`'${token}' is not a FieldsV1 field (f:, k:, v: or i:)`);
  switch (token.slice(0, 2)) {
    case 'f:':
      return { field: body };
    case 'k:': {
      let key: unknown;
      try {
        key = JSON.parse(body);
      } catch {
        throw fail();
      }
      if (!isPlainObject(key)) throw fail();
      return { key };
    }
    case 'v:':
      try {
        return { value: JSON.parse(body) };
      } catch {
        throw fail();
      }
    case 'i:':
      if (!/^(0|[1-9][0-9]*)$/.test(body)) throw fail();
      return { index: Number(body) };
    default:
      throw fail();
  }
}

/**
 * The fields a FieldsV1 tree names, e.g. `{"f:spec":{"f:replicas":{}}}` is
 * `spec.replicas`, owned whole. Throws on a tree that is not FieldsV1.
 */
export function readFieldsV1(tree: unknown): OwnedField[] {
  const owned: OwnedField[] = [];
  const walk = (node: unknown, path: FieldPathElement[]) => {
    if (!isPlainObject(node)) {
      throw new Error('a FieldsV1 node is not an object');
    }
    const keys = Object.keys(node);
    if (keys.length === 0) {
      if (path.length) owned.push({ path, whole: true });
      return;
    }
    for (const key of keys) {
      if (key === '.') {
        // Alone, the marker owns the node and all it holds.
        owned.push({ path, whole: keys.length === 1 });
      } else {
        walk(node[key], [...path, parseToken(key)]);
      }
    }
  };
  walk(tree ?? {}, []);
  return owned;
}

/**
 * Who owns what in a live object, read from `metadata.managedFields`. An
 * entry that is not FieldsV1 is refused, naming the object and the manager.
 */
export function managedFieldsOf(live: KubeObject): ManagedFields[] {
  const entries = (live.metadata.managedFields ?? []) as Array<{
    manager?: string;
    operation?: string;
    subresource?: string;
    fieldsType?: string;
    fieldsV1?: unknown;
  }>;
  return entries.map(entry => {
    try {
      if (entry.fieldsType && entry.fieldsType !== 'FieldsV1') {
        throw new Error(`fieldsType is '${entry.fieldsType}'`);
      }
      return {
        manager: entry.manager ?? '',
        operation: entry.operation,
        subresource: entry.subresource,
        fields: readFieldsV1(entry.fieldsV1),
      };
    } catch (error) {
      throw new Error(
        `Cannot read metadata.managedFields of ${live.kind} ${
          live.metadata.name
        } (manager '${entry.manager}'): ${(error as Error).message}`,
      );
    }
  });
}

/**
 * Defaults the API server gives list keys, so that a manifest's item that
 * leaves them out is still the item the live object's key names (a port
 * without `protocol` is the TCP port).
 */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

function hasKey(item: unknown, key: Record<string, unknown>): boolean {
  if (!isPlainObject(item)) return false;
  return Object.entries(key).every(([name, value]) =>
    item[name] === undefined
      ? KEY_DEFAULTS[name] === value
      : isDeepStrictEqual(item[name], value),
  );
}

/**
 * Where a field path is in a value (a live object, or a manifest), or
 * undefined when the value does not set it.
 */
export function locateField(
  value: unknown,
  path: FieldPathElement[],
): ValuePath | undefined {
  const located: ValuePath = [];
  let node = value;
  for (const element of path) {
    if ('field' in element) {
      if (!isPlainObject(node) || !Object.hasOwn(node, element.field)) {
        return undefined;
      }
      located.push(element.field);
      node = node[element.field];
      continue;
    }
    if (!Array.isArray(node)) return undefined;
    let index: number;
    if ('key' in element) {
      index = node.findIndex(item => hasKey(item, element.key));
    } else if ('value' in element) {
      index = node.findIndex(item => isDeepStrictEqual(item, element.value));
    } else {
      index = element.index < node.length ? element.index : -1;
    }
    if (index < 0) return undefined;
    located.push(index);
    node = node[index];
  }
  return located;
}
