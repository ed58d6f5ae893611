import { patchStrategyAt, SchemaContext } from './schema';
import { deepClone, deepEqual, isPlainObject } from './types';

/** A patch the server cannot apply; the message says why. */
export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/**
 * Strategic merge patch as Kubernetes applies it to built-in types: lists
 * with a merge key are merged item by item, `$patch: delete|replace|merge`,
 * `$retainKeys`, `$deleteFromPrimitiveList/…` and `$setElementOrder/…`
 * directives are honoured, `null` deletes a field.
 */
export function strategicMerge(
  original: unknown,
  patch: unknown,
  ctx: SchemaContext,
  names: string[] = [],
): any {
  if (!isPlainObject(patch)) return deepClone(patch);
  const directive = patch.$patch;
  if (directive === 'replace') return stripDirectives(patch);
  if (directive === 'delete') return undefined;
  const result: Record<string, any> = isPlainObject(original)
    ? { ...original }
    : {};
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set<string>(patch.$retainKeys);
    for (const key of Object.keys(result)) {
      if (!keep.has(key)) delete result[key];
    }
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys' || key.startsWith(SET_ORDER))
      continue;
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = key.slice(DELETE_PRIMITIVE.length);
      if (Array.isArray(result[field]) && Array.isArray(value)) {
        result[field] = result[field].filter(
          (item: unknown) => !value.some(v => deepEqual(v, item)),
        );
      }
      continue;
    }
    if (key.startsWith('$')) {
      throw new PatchError(`unknown strategic merge patch directive ${key}`);
    }
    const path = [...names, key];
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      result[key] = mergeList(result[key], value, ctx, path);
    } else if (isPlainObject(value)) {
      const merged = strategicMerge(result[key], value, ctx, path);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = key.slice(SET_ORDER.length);
    if (Array.isArray(result[field])) {
      result[field] = reorder(result[field], patch[key], ctx, [
        ...names,
        field,
      ]);
    }
  }
  return result;
}

function mergeList(
  original: unknown,
  patch: unknown[],
  ctx: SchemaContext,
  path: string[],
) {
  const strategy = patchStrategyAt(ctx, path);
  const base = Array.isArray(original) ? original : [];
  if (strategy.strategy === 'replace') {
    return patch
      .filter(item => !(isPlainObject(item) && item.$patch === 'delete'))
      .map(stripDirectives);
  }
  if (patch.some(item => isPlainObject(item) && item.$patch === 'replace')) {
    return patch
      .filter(item => !(isPlainObject(item) && item.$patch === 'replace'))
      .map(stripDirectives);
  }
  const key = strategy.mergeKey;
  if (!key) {
    const result = [...base];
    for (const item of patch) {
      if (!result.some(existing => deepEqual(existing, item)))
        result.push(item);
    }
    return result;
  }
  const result = [...base];
  for (const item of patch) {
    if (!isPlainObject(item)) {
      throw new PatchError(
        `the list at ${path.join(
          '.',
        )} merges by "${key}" and needs objects, got ${JSON.stringify(item)}`,
      );
    }
    if (item[key] === undefined) {
      throw new PatchError(
        `an item of the list at ${path.join('.')} has no merge key "${key}"`,
      );
    }
    const index = result.findIndex(
      existing =>
        isPlainObject(existing) && deepEqual(existing[key], item[key]),
    );
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0)
      result[index] = strategicMerge(result[index], item, ctx, path);
    else result.push(strategicMerge(undefined, item, ctx, path));
  }
  return result;
}

function reorder(
  list: any[],
  order: unknown,
  ctx: SchemaContext,
  path: string[],
) {
  if (!Array.isArray(order)) return list;
  const key = (patchStrategyAt(ctx, path) as { mergeKey?: string }).mergeKey;
  const identity = (item: any) =>
    JSON.stringify(key && isPlainObject(item) ? item[key] : item);
  const position = new Map(
    order.map((item, i) => [
      identity(key && isPlainObject(item) ? item : item),
      i,
    ]),
  );
  const ordered = list.filter(item => position.has(identity(item)));
  ordered.sort(
    (a, b) => position.get(identity(a))! - position.get(identity(b))!,
  );
  return [...ordered, ...list.filter(item => !position.has(identity(item)))];
}

function stripDirectives(value: unknown): any {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isPlainObject(value)) return value;
  const result: Record<string, any> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    result[key] = stripDirectives(child);
  }
  return result;
}

/** JSON merge patch (RFC 7386). */
export function mergePatch(original: unknown, patch: unknown): any {
  if (!isPlainObject(patch)) return deepClone(patch);
  const result: Record<string, any> = isPlainObject(original)
    ? { ...original }
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

type JsonPatchOperation = {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
};

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new PatchError(`JSON patch path "${pointer}" must start with "/"`);
  }
  return pointer
    .slice(1)
    .split('/')
    .map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** JSON patch (RFC 6902): add, remove, replace, move, copy, test. */
export function jsonPatch(original: unknown, operations: unknown): any {
  if (!Array.isArray(operations)) {
    throw new PatchError('a JSON patch must be a list of operations');
  }
  let doc = deepClone(original);
  const locate = (pointer: string) => {
    const parts = parsePointer(pointer);
    if (parts.length === 0) return { parent: undefined, key: '' };
    let parent: any = doc;
    for (const part of parts.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(part)] : parent?.[part];
      if (
        parent === undefined ||
        parent === null ||
        typeof parent !== 'object'
      ) {
        throw new PatchError(`JSON patch path "${pointer}" does not exist`);
      }
    }
    return { parent, key: parts[parts.length - 1] };
  };
  const get = (pointer: string) => {
    const { parent, key } = locate(pointer);
    if (parent === undefined) return doc;
    const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
    if (value === undefined) {
      throw new PatchError(`JSON patch path "${pointer}" does not exist`);
    }
    return value;
  };
  const remove = (pointer: string) => {
    const { parent, key } = locate(pointer);
    if (parent === undefined)
      throw new PatchError('cannot remove the whole document');
    if (Array.isArray(parent)) {
      const index = Number(key);
      if (!(index >= 0 && index < parent.length)) {
        throw new PatchError(`JSON patch path "${pointer}" does not exist`);
      }
      parent.splice(index, 1);
    } else {
      if (!(key in parent)) {
        throw new PatchError(`JSON patch path "${pointer}" does not exist`);
      }
      delete parent[key];
    }
  };
  const add = (pointer: string, value: unknown, replace: boolean) => {
    const { parent, key } = locate(pointer);
    if (parent === undefined) {
      doc = deepClone(value);
      return;
    }
    if (Array.isArray(parent)) {
      const index = key === '-' ? parent.length : Number(key);
      if (!(index >= 0 && index <= parent.length)) {
        throw new PatchError(`JSON patch path "${pointer}" is out of range`);
      }
      if (replace) parent[index] = deepClone(value);
      else parent.splice(index, 0, deepClone(value));
    } else {
      if (replace && !(key in parent)) {
        throw new PatchError(`JSON patch path "${pointer}" does not exist`);
      }
      parent[key] = deepClone(value);
    }
  };
  for (const raw of operations) {
    const op = raw as JsonPatchOperation;
    if (!isPlainObject(op) || typeof op.path !== 'string') {
      throw new PatchError(
        `invalid JSON patch operation ${JSON.stringify(raw)}`,
      );
    }
    switch (op.op) {
      case 'add':
        add(op.path, op.value, false);
        break;
      case 'remove':
        remove(op.path);
        break;
      case 'replace':
        add(op.path, op.value, true);
        break;
      case 'move': {
        const value = get(op.from ?? '');
        remove(op.from ?? '');
        add(op.path, value, false);
        break;
      }
      case 'copy':
        add(op.path, get(op.from ?? ''), false);
        break;
      case 'test':
        if (!deepEqual(get(op.path), op.value)) {
          throw new PatchError(`JSON patch test failed at "${op.path}"`);
        }
        break;
      default:
        throw new PatchError(`unknown JSON patch operation "${op.op}"`);
    }
  }
  return doc;
}
