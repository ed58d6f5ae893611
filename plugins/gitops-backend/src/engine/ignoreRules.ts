import { isDeepStrictEqual } from 'node:util';
import type { Config } from '@backstage/config';
import {
  ANNOTATION_TRACKING_ID,
  FIELD_MANAGER,
  parseJsonPointer,
  readIgnoreDifferenceRules,
} from '@mooring/plugin-gitops-common';
import {
  ManagedFields,
  ValuePath,
  locateField,
  managedFieldsOf,
} from '../diff/fieldsV1';
import { KubeObject, groupOf } from '../kube/kubeObject';
import type { EngineContext } from './engineContext';
import type { ApplicationSpec, IgnoreDifferenceRule } from './types';

const CONFIG_KEY = 'gitops.ignoreDifferences';

/**
 * `gitops.ignoreDifferences`: rules for every application. Throws, saying
 * what is wrong, when the list is not valid.
 */
export function readIgnoreDifferencesConfig(
  config: Config,
): IgnoreDifferenceRule[] {
  if (!config.has(CONFIG_KEY)) return [];
  const { rules, problems } = readIgnoreDifferenceRules(config.get(CONFIG_KEY));
  if (problems.length) {
    throw new Error(`${CONFIG_KEY} is not valid: ${problems.join('; ')}`);
  }
  return rules;
}

/** The rules an application's plans follow: the config's, then its own. */
export function ignoreRulesFor(
  ctx: Pick<EngineContext, 'ignoreDifferences'>,
  spec: Pick<ApplicationSpec, 'ignoreDifferences'>,
): IgnoreDifferenceRule[] {
  return [...ctx.ignoreDifferences, ...(spec.ignoreDifferences ?? [])];
}

/** True when the rule is about this object (group, kind, name, namespace). */
export function ruleMatches(
  rule: IgnoreDifferenceRule,
  object: KubeObject,
): boolean {
  return (
    (rule.group === undefined ||
      rule.group === '*' ||
      rule.group === groupOf(object)) &&
    (rule.kind === '*' || rule.kind === object.kind) &&
    (rule.name === undefined || rule.name === object.metadata.name) &&
    (rule.namespace === undefined ||
      rule.namespace === (object.metadata.namespace ?? ''))
  );
}

/**
 * What a rule does to one place of the desired object: removes it, or sets
 * it to the live value.
 */
type Edit = { path: ValuePath; keep?: { value: unknown } };

/** Never ignored: what names the object, and whose object it is. */
const PROTECTED: ValuePath[] = [
  ['apiVersion'],
  ['kind'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
  ['metadata', 'annotations', ANNOTATION_TRACKING_ID],
];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function startsWith(path: ValuePath, prefix: ValuePath): boolean {
  return (
    prefix.length <= path.length && prefix.every((step, i) => path[i] === step)
  );
}

function valueAt(value: unknown, path: ValuePath): unknown {
  let node: any = value;
  for (const step of path) node = node?.[step];
  return node;
}

/** Where an RFC 6901 pointer is in a value, or undefined when it is not there. */
function locatePointer(
  value: unknown,
  tokens: string[],
): ValuePath | undefined {
  const located: ValuePath = [];
  let node = value;
  for (const token of tokens) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      const index = Number(token);
      if (index >= node.length) return undefined;
      located.push(index);
      node = node[index];
    } else if (isPlainObject(node) && Object.hasOwn(node, token)) {
      located.push(token);
      node = node[token];
    } else {
      return undefined;
    }
  }
  return located;
}

/**
 * Whether a manager owns anything at or under `at` of the live object, or
 * owns a value that holds it whole.
 */
function touches(
  entry: ManagedFields,
  at: ValuePath,
  live: KubeObject,
): boolean {
  return entry.fields.some(field => {
    const where = locateField(live, field.path);
    if (!where) return false;
    return startsWith(where, at) || (field.whole && startsWith(at, where));
  });
}

/**
 * A pointer's place is not sent, so another manager's value stays. But a
 * field only Mooring owns would be deleted by the API server if Mooring
 * stopped applying it (a Deployment's replicas back to 1 on the next commit
 * after the rule was added): such a field keeps its live value instead, until
 * another manager takes it.
 */
function pointerEdits(
  at: ValuePath,
  desired: KubeObject,
  live: KubeObject,
  managers: ManagedFields[],
  edits: Edit[],
): void {
  const inLive = locatePointer(live, at.map(String));
  if (!inLive) {
    edits.push({ path: at });
    return;
  }
  const owners = managers.filter(entry => touches(entry, at, live));
  if (!owners.some(entry => entry.manager === FIELD_MANAGER)) {
    edits.push({ path: at });
    return;
  }
  const liveValue = valueAt(live, at);
  if (owners.every(entry => entry.manager === FIELD_MANAGER)) {
    edits.push({ path: at, keep: { value: liveValue } });
    return;
  }
  // Mooring and others both write here: decide field by field in a map.
  const desiredValue = valueAt(desired, at);
  if (isPlainObject(desiredValue) && isPlainObject(liveValue)) {
    for (const key of Object.keys(desiredValue)) {
      pointerEdits([...at, key], desired, live, managers, edits);
    }
    return;
  }
  edits.push({ path: at });
}

/**
 * Fields the trusted managers own whole whose desired value differs from the
 * live one: the manager's value is the one to keep. Fields with the same
 * value stay in the desired object, so that Mooring keeps its share of them.
 */
function managerEdits(
  desired: KubeObject,
  live: KubeObject,
  trusted: ManagedFields[],
  edits: Edit[],
): void {
  for (const entry of trusted) {
    for (const field of entry.fields) {
      if (!field.whole) continue;
      const inDesired = locateField(desired, field.path);
      if (!inDesired) continue;
      const inLive = locateField(live, field.path);
      if (
        inLive &&
        isDeepStrictEqual(valueAt(desired, inDesired), valueAt(live, inLive))
      ) {
        continue;
      }
      edits.push({ path: inDesired });
    }
  }
}

/** Deepest first, and a list's later items before its earlier ones. */
function compareEdits(a: Edit, b: Edit): number {
  for (let i = 0; i < Math.min(a.path.length, b.path.length); i++) {
    const x = a.path[i];
    const y = b.path[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return y - x;
    return String(y).localeCompare(String(x));
  }
  return b.path.length - a.path.length;
}

function removeAt(object: KubeObject, path: ValuePath): void {
  const parent: any = valueAt(object, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent)) parent.splice(last as number, 1);
  else if (isPlainObject(parent)) delete parent[last];
}

function applyEdit(object: KubeObject, edit: Edit): void {
  const { path } = edit;
  const parent: any = valueAt(object, path.slice(0, -1));
  if (typeof parent !== 'object' || parent === null) return;
  if (edit.keep) {
    parent[path[path.length - 1]] = structuredClone(edit.keep.value);
    return;
  }
  removeAt(object, path);
  // What the removal left empty is not sent either (an empty map or list
  // would be applied as a value of its own); `metadata` always stays.
  for (let depth = path.length - 1; depth >= 1; depth--) {
    if (depth === 1 && path[0] === 'metadata') break;
    const container: any = valueAt(object, path.slice(0, depth));
    if (Object.keys(container ?? { full: true }).length > 0) break;
    removeAt(object, path.slice(0, depth));
  }
}

function restoreProtected(result: KubeObject, desired: KubeObject): void {
  for (const path of PROTECTED) {
    const value = valueAt(desired, path);
    if (value === undefined || valueAt(result, path) === value) continue;
    let node: any = result;
    for (const step of path.slice(0, -1)) {
      if (!isPlainObject(node[step])) node[step] = {};
      node = node[step];
    }
    node[path[path.length - 1]] = value;
  }
}

/**
 * The desired object as it is compared and sent: without the fields the
 * ignore rules name, so that a dry run shows the live value there and an
 * apply leaves it to whoever owns it (an HPA keeps its replicas).
 *
 * - `jsonPointers` (RFC 6901) name places in the desired object; one that is
 *   not there changes nothing. A field only Mooring owns keeps its live
 *   value rather than being dropped (see `pointerEdits`).
 * - `managedFieldsManagers` name field managers of the live object
 *   (`metadata.managedFields`): the fields they own are taken from the live
 *   object wherever the desired value differs.
 *
 * An object that does not exist yet is created as Git has it. What names the
 * object and its tracking id are never removed. Pure; returns `desired`
 * itself when no rule changes it.
 */
export function withoutIgnoredFields(
  desired: KubeObject,
  live: KubeObject | undefined,
  rules: readonly IgnoreDifferenceRule[] | undefined,
): KubeObject {
  if (!rules?.length || !live) return desired;
  const matching = rules.filter(rule => ruleMatches(rule, desired));
  if (!matching.length) return desired;
  const managers = managedFieldsOf(live);
  const edits: Edit[] = [];
  for (const pointer of matching.flatMap(rule => rule.jsonPointers ?? [])) {
    const at = locatePointer(desired, parseJsonPointer(pointer));
    if (at) pointerEdits(at, desired, live, managers, edits);
  }
  const trustedNames = new Set(
    matching.flatMap(rule => rule.managedFieldsManagers ?? []),
  );
  trustedNames.delete(FIELD_MANAGER);
  const trusted = managers.filter(entry => trustedNames.has(entry.manager));
  managerEdits(desired, live, trusted, edits);

  // Each place once (two rules may name it, and removing a list item twice
  // would remove its neighbour), and nothing inside a place already edited.
  const unique = [
    ...new Map(edits.map(edit => [JSON.stringify(edit.path), edit])).values(),
  ];
  const effective = unique.filter(
    edit =>
      !PROTECTED.some(path => startsWith(edit.path, path)) &&
      !unique.some(
        other =>
          other.path.length < edit.path.length &&
          startsWith(edit.path, other.path),
      ) &&
      !(
        edit.keep &&
        isDeepStrictEqual(valueAt(desired, edit.path), edit.keep.value)
      ),
  );
  if (!effective.length) return desired;
  const result = structuredClone(desired);
  for (const edit of effective.sort(compareEdits)) applyEdit(result, edit);
  restoreProtected(result, desired);
  return isDeepStrictEqual(result, desired) ? desired : result;
}
