import {
  decodeManagedFields,
  describePath,
  keyToken,
  FieldScope,
  fieldSetOf,
  inScope,
  joinPath,
  ManagerEntry,
  removePath,
  sameManager,
  splitPath,
  valueAt,
} from './managedFields';
import { listTypeAt, SchemaContext } from './schema';
import { deepClone, isPlainObject, KubeObject } from './types';

/** A field another manager owns with a different value than the applied configuration. */
export type ApplyConflict = { manager: string; path: string; field: string };

/** Thrown when an apply would take fields another manager owns, without `force`. */
export class ApplyConflictError extends Error {
  constructor(readonly conflicts: ApplyConflict[]) {
    super(describeConflicts(conflicts));
    this.name = 'ApplyConflictError';
  }
}

/** Kubernetes' wording: `Apply failed with 1 conflict: conflict with "kubectl" using v1: .data.key`. */
export function describeConflicts(conflicts: ApplyConflict[]): string {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  }
  const parts = [...byManager].map(([manager, fields]) =>
    fields.length === 1
      ? `conflict with ${manager}: ${fields[0]}`
      : `conflicts with ${manager}:\n${fields.map(f => `- ${f}`).join('\n')}`,
  );
  const n = conflicts.length;
  return `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join(
    '\n',
  )}`;
}

function managerLabel(entry: ManagerEntry): string {
  const name = JSON.stringify(entry.manager);
  const sub = entry.subresource
    ? ` with subresource ${JSON.stringify(entry.subresource)}`
    : '';
  return `${name} using ${entry.apiVersion}${sub}`;
}

/**
 * Merges an applied configuration into a live value: maps field by field,
 * associative lists item by item (matched by their keys), sets as unions,
 * atomic lists and scalars replaced.
 */
export function mergeApplied(
  live: unknown,
  config: unknown,
  ctx: SchemaContext,
  names: string[] = [],
): any {
  if (isPlainObject(config)) {
    const base: Record<string, any> = isPlainObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(config)) {
      if (value === null || value === undefined) {
        delete base[key];
        continue;
      }
      base[key] = mergeApplied(base[key], value, ctx, [...names, key]);
    }
    return base;
  }
  if (Array.isArray(config)) {
    const listType = listTypeAt(ctx, names);
    if (listType.type === 'atomic' || !Array.isArray(live))
      return deepClone(config);
    if (listType.type === 'set') {
      const seen = new Set(live.map(v => JSON.stringify(v)));
      return [...live, ...config.filter(v => !seen.has(JSON.stringify(v)))];
    }
    const result = live.map(item => item);
    for (const item of config) {
      if (!isPlainObject(item)) continue;
      const token = keyToken(item, listType.keys);
      const index = result.findIndex(
        existing =>
          isPlainObject(existing) &&
          keyToken(existing, listType.keys) === token,
      );
      if (index >= 0)
        result[index] = mergeApplied(result[index], item, ctx, names);
      else result.push(deepClone(item));
    }
    return result;
  }
  return config;
}

export type ApplyInput = {
  /** The object as stored, or undefined when apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration (already defaulted where list keys need it). */
  config: KubeObject;
  ctx: SchemaContext;
  /** `main` ignores `status`, `status` touches only `status`, `all` both. */
  scope: FieldScope;
  manager: string;
  force: boolean;
  apiVersion: string;
  subresource?: string;
  time: string;
};

/**
 * Server-side apply: merges the configuration, takes ownership of its fields,
 * refuses (or with `force`, takes) fields other managers own with other values,
 * and removes fields this manager applied before and no one owns any more.
 * Pure: returns the merged object and the new managers; the caller encodes
 * them into `metadata.managedFields` and owns identity metadata.
 */
export function serverSideApply(input: ApplyInput): {
  object: KubeObject;
  managers: ManagerEntry[];
} {
  const { live, config, ctx, scope } = input;
  const self = {
    manager: input.manager,
    operation: 'Apply' as const,
    subresource: input.subresource,
  };
  const entries = decodeManagedFields(live?.metadata.managedFields);
  const applied = fieldSetOf(config, ctx, scope);

  const conflicts: ApplyConflict[] = [];
  const forced = new Map<ManagerEntry, string[]>();
  for (const entry of entries) {
    if (sameManager(entry, self)) continue;
    for (const path of entry.fields) {
      if (!applied.has(path)) continue;
      const last = splitPath(path).pop() ?? '';
      if (last.startsWith('k:') || last.startsWith('v:')) continue;
      const liveValue = JSON.stringify(valueAt(live, path));
      const configValue = JSON.stringify(valueAt(config, path));
      if (liveValue === configValue) continue;
      conflicts.push({
        manager: managerLabel(entry),
        path,
        field: describePath(path),
      });
      forced.set(entry, [...(forced.get(entry) ?? []), path]);
    }
  }
  if (conflicts.length > 0 && !input.force)
    throw new ApplyConflictError(conflicts);
  for (const [entry, paths] of forced)
    for (const path of paths) entry.fields.delete(path);

  const mine = entries.find(entry => sameManager(entry, self));
  const ownedByOthers = new Set<string>();
  for (const entry of entries) {
    if (entry !== mine)
      for (const path of entry.fields) ownedByOthers.add(path);
  }
  const removed = [...(mine?.fields ?? [])].filter(
    path =>
      !applied.has(path) && !ownedByOthers.has(path) && inScope(path, scope),
  );

  const base: KubeObject = live ? deepClone(live) : { metadata: {} };
  const scoped = scopedConfig(config, scope);
  const merged = mergeApplied(base, scoped, ctx) as KubeObject;
  merged.metadata = { ...base.metadata };
  for (const key of [
    'labels',
    'annotations',
    'ownerReferences',
    'finalizers',
  ]) {
    if (scope === 'status' || config.metadata?.[key] === undefined) continue;
    merged.metadata[key] = mergeApplied(
      base.metadata[key],
      config.metadata[key],
      ctx,
      ['metadata', key],
    );
  }
  // Removing an item removes what is inside it; removing those first would
  // lose the key fields the item is found by.
  const removedSet = new Set(removed);
  const hasRemovedAncestor = (path: string) => {
    const tokens = splitPath(path);
    for (let i = tokens.length - 1; i > 0; i--) {
      if (removedSet.has(joinPath(tokens.slice(0, i)))) return true;
    }
    return false;
  };
  for (const path of removed.filter(p => !hasRemovedAncestor(p)))
    removePath(merged, path);

  const next: ManagerEntry[] = entries.filter(entry => entry !== mine);
  const mineNext: ManagerEntry = {
    ...self,
    apiVersion: input.apiVersion,
    time: input.time,
    fields: applied,
  };
  const index = mine ? entries.indexOf(mine) : -1;
  if (index >= 0) next.splice(index, 0, mineNext);
  else next.push(mineNext);
  return {
    object: merged,
    managers: next.filter(entry => entry.fields.size > 0),
  };
}

function scopedConfig(
  config: KubeObject,
  scope: FieldScope,
): Record<string, any> {
  const result: Record<string, any> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
    if (scope === 'main' && key === 'status') continue;
    if (scope === 'status' && key !== 'status') continue;
    result[key] = value;
  }
  return result;
}
