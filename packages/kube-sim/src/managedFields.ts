import { listTypeAt, SchemaContext } from './schema';
import { FieldsV1, isPlainObject, ManagedFieldsEntry } from './types';

/**
 * Field sets: which fields of an object a manager owns. A path is a list of
 * FieldsV1 tokens (`f:spec`, `k:{"name":"web"}`, `v:"finalizer"`) joined by
 * newlines, so sets of paths are plain `Set<string>`s.
 */
export type FieldSet = Set<string>;

const SEP = '\n';

export function joinPath(tokens: string[]): string {
  return tokens.join(SEP);
}

export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split(SEP);
}

const trackedMetadata = new Set([
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
]);

/** Which part of an object an operation may touch. */
export type FieldScope = 'all' | 'main' | 'status';

function sortedJson(value: Record<string, unknown>): string {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = value[key];
  return JSON.stringify(sorted);
}

/** The `k:{...}` token of an item in an associative list. */
export function keyToken(
  item: Record<string, unknown>,
  keys: string[],
): string {
  const key: Record<string, unknown> = {};
  for (const k of keys) if (item[k] !== undefined) key[k] = item[k];
  return `k:${sortedJson(key)}`;
}

/** Field names (list items left out) along a path, for schema lookups. */
export function fieldNames(tokens: string[]): string[] {
  return tokens.filter(t => t.startsWith('f:')).map(t => t.slice(2));
}

/**
 * Every field an object sets: leaves, atomic lists, and the items of
 * associative lists and sets. Identity fields (name, uid, resourceVersion, …)
 * are never owned, and `scope` leaves out `status` (main resource) or
 * everything but `status` (status subresource).
 */
export function fieldSetOf(
  obj: Record<string, any>,
  ctx: SchemaContext,
  scope: FieldScope = 'all',
): FieldSet {
  const set: FieldSet = new Set();
  const walk = (value: any, tokens: string[], names: string[]) => {
    if (isPlainObject(value)) {
      const keys = Object.keys(value).filter(k => value[k] !== undefined);
      if (keys.length === 0) {
        set.add(joinPath(tokens));
        return;
      }
      for (const key of keys) {
        walk(value[key], [...tokens, `f:${key}`], [...names, key]);
      }
      return;
    }
    if (Array.isArray(value)) {
      const listType = listTypeAt(ctx, names);
      if (listType.type === 'atomic' || value.length === 0) {
        set.add(joinPath(tokens));
        return;
      }
      for (const item of value) {
        if (listType.type === 'set') {
          set.add(joinPath([...tokens, `v:${JSON.stringify(item)}`]));
        } else if (isPlainObject(item)) {
          const itemTokens = [...tokens, keyToken(item, listType.keys)];
          set.add(joinPath(itemTokens));
          for (const key of Object.keys(item)) {
            if (item[key] === undefined) continue;
            walk(item[key], [...itemTokens, `f:${key}`], [...names, key]);
          }
        }
      }
      return;
    }
    set.add(joinPath(tokens));
  };
  for (const key of Object.keys(obj)) {
    if (key === 'apiVersion' || key === 'kind' || obj[key] === undefined)
      continue;
    if (key === 'metadata') {
      if (scope === 'status') continue;
      for (const metaKey of Object.keys(obj.metadata ?? {})) {
        if (!trackedMetadata.has(metaKey)) continue;
        walk(
          obj.metadata[metaKey],
          ['f:metadata', `f:${metaKey}`],
          ['metadata', metaKey],
        );
      }
      continue;
    }
    if (scope === 'main' && key === 'status') continue;
    if (scope === 'status' && key !== 'status') continue;
    walk(obj[key], [`f:${key}`], [key]);
  }
  return set;
}

/** Encodes a field set as the FieldsV1 tree stored in managedFields. */
export function encodeFieldsV1(set: FieldSet): FieldsV1 {
  const root: FieldsV1 = {};
  const paths = [...set].sort();
  for (const path of paths) {
    let node = root;
    for (const token of splitPath(path)) {
      node[token] ??= {};
      node = node[token];
    }
    node['.'] ??= {};
  }
  // A "." marks "this node itself is owned"; leaves need no marker.
  const tidy = (node: FieldsV1) => {
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === '.') {
      delete node['.'];
      return;
    }
    for (const key of keys) if (key !== '.') tidy(node[key]);
  };
  tidy(root);
  return root;
}

/** Decodes a FieldsV1 tree into a field set. */
export function decodeFieldsV1(tree: FieldsV1 | undefined): FieldSet {
  const set: FieldSet = new Set();
  const walk = (node: FieldsV1, tokens: string[]) => {
    const keys = Object.keys(node ?? {});
    if (keys.length === 0 && tokens.length > 0) {
      set.add(joinPath(tokens));
      return;
    }
    for (const key of keys) {
      if (key === '.') set.add(joinPath(tokens));
      else walk(node[key], [...tokens, key]);
    }
  };
  walk(tree ?? {}, []);
  return set;
}

function itemMatches(item: unknown, token: string): boolean {
  if (token.startsWith('v:')) {
    return JSON.stringify(item) === token.slice(2);
  }
  if (!isPlainObject(item)) return false;
  const key = JSON.parse(token.slice(2)) as Record<string, unknown>;
  return Object.entries(key).every(
    ([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v),
  );
}

/** The value at a path, or `undefined` when the object does not set it. */
export function valueAt(obj: unknown, path: string): unknown {
  let node: any = obj;
  for (const token of splitPath(path)) {
    if (node === undefined || node === null) return undefined;
    if (token.startsWith('f:')) {
      node = isPlainObject(node) ? node[token.slice(2)] : undefined;
    } else {
      node = Array.isArray(node)
        ? node.find(item => itemMatches(item, token))
        : undefined;
    }
  }
  return node;
}

/**
 * Removes the field at a path from an object (in place), then removes maps
 * and lists the removal left empty.
 */
export function removePath(obj: Record<string, any>, path: string): void {
  const tokens = splitPath(path);
  const parents: any[] = [];
  let node: any = obj;
  for (const token of tokens.slice(0, -1)) {
    parents.push(node);
    if (token.startsWith('f:')) {
      node = isPlainObject(node) ? node[token.slice(2)] : undefined;
    } else {
      node = Array.isArray(node)
        ? node.find(item => itemMatches(item, token))
        : undefined;
    }
    if (node === undefined || node === null) return;
  }
  const last = tokens[tokens.length - 1];
  if (last.startsWith('f:')) {
    if (isPlainObject(node)) delete node[last.slice(2)];
  } else if (Array.isArray(node)) {
    const index = node.findIndex(item => itemMatches(item, last));
    if (index >= 0) node.splice(index, 1);
  }
  // Prune containers emptied by the removal, innermost first.
  for (let i = tokens.length - 2; i >= 0; i--) {
    const container = valueAtTokens(obj, tokens.slice(0, i + 1));
    const empty =
      (isPlainObject(container) && Object.keys(container).length === 0) ||
      (Array.isArray(container) && container.length === 0);
    if (!empty) break;
    const parent = parents[i];
    const token = tokens[i];
    if (i === 0 && token === 'f:metadata') break;
    if (token.startsWith('f:')) {
      if (isPlainObject(parent)) delete parent[token.slice(2)];
    } else if (Array.isArray(parent)) {
      const index = parent.findIndex(item => itemMatches(item, token));
      if (index >= 0) parent.splice(index, 1);
    }
  }
}

function valueAtTokens(obj: unknown, tokens: string[]): unknown {
  return valueAt(obj, joinPath(tokens));
}

/** Renders a path the way Kubernetes names fields in conflicts: `.spec.containers[name="web"].image`. */
export function describePath(path: string): string {
  let out = '';
  for (const token of splitPath(path)) {
    if (token.startsWith('f:')) {
      out += `.${token.slice(2)}`;
    } else if (token.startsWith('k:')) {
      const key = JSON.parse(token.slice(2)) as Record<string, unknown>;
      const parts = Object.entries(key).map(
        ([k, v]) => `${k}=${JSON.stringify(v)}`,
      );
      out += `[${parts.join(',')}]`;
    } else if (token.startsWith('v:')) {
      out += `[=${token.slice(2)}]`;
    }
  }
  return out;
}

/** A managedFields entry with its field set decoded. */
export type ManagerEntry = {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  fields: FieldSet;
};

export function decodeManagedFields(
  entries: ManagedFieldsEntry[] | undefined,
): ManagerEntry[] {
  return (entries ?? []).map(entry => ({
    manager: entry.manager,
    operation: entry.operation,
    apiVersion: entry.apiVersion,
    time: entry.time,
    subresource: entry.subresource,
    fields: decodeFieldsV1(entry.fieldsV1),
  }));
}

export function encodeManagedFields(
  entries: ManagerEntry[],
): ManagedFieldsEntry[] {
  return entries
    .filter(entry => entry.fields.size > 0)
    .map(entry => ({
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      time: entry.time,
      fieldsType: 'FieldsV1' as const,
      fieldsV1: encodeFieldsV1(entry.fields),
      ...(entry.subresource ? { subresource: entry.subresource } : {}),
    }));
}

/** Whether two entries belong to the same manager identity (name, operation, subresource). */
export function sameManager(
  a: Pick<ManagerEntry, 'manager' | 'operation' | 'subresource'>,
  b: Pick<ManagerEntry, 'manager' | 'operation' | 'subresource'>,
): boolean {
  return (
    a.manager === b.manager &&
    a.operation === b.operation &&
    (a.subresource ?? '') === (b.subresource ?? '')
  );
}

/**
 * Records a non-apply change (create, update, patch): the manager takes every
 * field whose value it set or changed; fields that disappeared leave every set.
 */
export function recordUpdate(options: {
  entries: ManagerEntry[];
  before: Record<string, any> | undefined;
  after: Record<string, any>;
  ctx: SchemaContext;
  scope: FieldScope;
  manager: string;
  apiVersion: string;
  subresource?: string;
  time: string;
}): ManagerEntry[] {
  const { before, after, ctx, scope } = options;
  const afterSet = fieldSetOf(after, ctx, scope);
  const beforeSet = before ? fieldSetOf(before, ctx, scope) : new Set<string>();
  const changed: FieldSet = new Set();
  for (const path of afterSet) {
    if (!beforeSet.has(path)) {
      changed.add(path);
      continue;
    }
    const last = splitPath(path).pop() ?? '';
    if (last.startsWith('k:') || last.startsWith('v:')) continue;
    if (
      JSON.stringify(valueAt(before, path)) !==
      JSON.stringify(valueAt(after, path))
    ) {
      changed.add(path);
    }
  }
  const self = {
    manager: options.manager,
    operation: 'Update' as const,
    subresource: options.subresource,
  };
  const result: ManagerEntry[] = [];
  let mine: ManagerEntry | undefined;
  for (const entry of options.entries) {
    const fields = new Set(
      [...entry.fields].filter(p => afterSet.has(p) || !inScope(p, scope)),
    );
    if (sameManager(entry, self)) {
      mine = { ...entry, fields };
      result.push(mine);
      continue;
    }
    for (const path of changed) fields.delete(path);
    result.push({ ...entry, fields });
  }
  if (changed.size > 0) {
    if (!mine) {
      mine = { ...self, apiVersion: options.apiVersion, fields: new Set() };
      result.push(mine);
    }
    for (const path of changed) mine.fields.add(path);
    mine.time = options.time;
    mine.apiVersion = options.apiVersion;
  }
  return result.filter(entry => entry.fields.size > 0);
}

/** Whether a path falls in the part of the object an operation of this scope touches. */
export function inScope(path: string, scope: FieldScope): boolean {
  if (scope === 'all') return true;
  const isStatus = path === 'f:status' || path.startsWith(`f:status${SEP}`);
  return scope === 'status' ? isStatus : !isStatus;
}
