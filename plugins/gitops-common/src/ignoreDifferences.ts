import { FIELD_MANAGER } from './annotations';

/**
 * One rule of `mooring.dev/ignore-differences` or `gitops.ignoreDifferences`:
 * fields of the matching live objects that Mooring neither compares nor
 * applies.
 * @public
 */
export interface IgnoreDifferenceRule {
  /** API group; '' is the core group; absent or '*' matches every group. */
  group?: string;
  /** Kind; '*' matches every kind. */
  kind: string;
  name?: string;
  namespace?: string;
  /** RFC 6901 pointers of fields to ignore, e.g. `/spec/replicas`. */
  jsonPointers?: string[];
  /** Ignore every field of the live object these field managers own. */
  managedFieldsManagers?: string[];
}

/** At most this many rules in one list, and pointers or managers in one rule. */
const MAX_RULES = 50;
const MAX_POINTERS = 50;
const MAX_MANAGERS = 20;

const RULE_KEYS = new Set([
  'group',
  'kind',
  'name',
  'namespace',
  'jsonPointers',
  'managedFieldsManagers',
]);

/**
 * Fields that say which object this is: never ignored, since without them
 * nothing can be compared or applied.
 */
const IDENTITY_FIELDS = [
  ['apiVersion'],
  ['kind'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
];

/**
 * The reference tokens of an RFC 6901 JSON pointer, unescaped (`~1` is `/`,
 * `~0` is `~`): `/metadata/annotations/a~1b` is `['metadata', 'annotations',
 * 'a/b']`; `''` (the whole document) is `[]`. Throws a TypeError saying what
 * is wrong with a malformed pointer.
 * @public
 */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) {
    throw new TypeError(
      `'${pointer}' is not a JSON pointer; it must start with '/', e.g. '/spec/replicas'`,
    );
  }
  if (/~(?![01])/.test(pointer)) {
    throw new TypeError(
      `'${pointer}' is not a JSON pointer: '~' must be followed by 0 ('~0' for '~') or 1 ('~1' for '/')`,
    );
  }
  return pointer
    .slice(1)
    .split('/')
    .map(token => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The identity field a pointer would remove (itself or with its parent), if any. */
function identityFieldUnder(tokens: string[]): string | undefined {
  const hit = IDENTITY_FIELDS.find(
    field =>
      tokens.length <= field.length &&
      tokens.every((token, i) => token === field[i]),
  );
  return hit?.join('.');
}

/** What {@link readIgnoreDifferenceRules} makes of a list. @public */
export interface IgnoreDifferenceRulesResult {
  /** The rules, when there is no problem. */
  rules: IgnoreDifferenceRule[];
  /** What is wrong, one sentence per problem; empty when all is well. */
  problems: string[];
}

/**
 * Checks a list of ignore rules (the parsed JSON of the annotation, or the
 * config value) and returns them, or the problems worded for whoever wrote
 * them. Pure.
 * @public
 */
export function readIgnoreDifferenceRules(
  value: unknown,
): IgnoreDifferenceRulesResult {
  const problems: string[] = [];
  if (!Array.isArray(value)) {
    return {
      rules: [],
      problems: [
        `expected a list of rules such as [{"group":"apps","kind":"Deployment","jsonPointers":["/spec/replicas"]}], got ${describeValue(
          value,
        )}`,
      ],
    };
  }
  if (value.length > MAX_RULES) {
    return {
      rules: [],
      problems: [
        `lists ${value.length} rules; at most ${MAX_RULES} are allowed (use "kind": "*" or managedFieldsManagers to cover many objects with one rule)`,
      ],
    };
  }
  const rules: IgnoreDifferenceRule[] = [];
  value.forEach((item, index) => {
    const rule = readRule(item, `rule ${index + 1}`, problems);
    if (rule) rules.push(rule);
  });
  return problems.length ? { rules: [], problems } : { rules, problems };
}

function readRule(
  item: unknown,
  position: string,
  problems: string[],
): IgnoreDifferenceRule | undefined {
  let where = position;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    problems.push(
      `${where} is ${describeValue(
        item,
      )}; each rule is an object with a kind and jsonPointers or managedFieldsManagers`,
    );
    return undefined;
  }
  const raw = item as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(raw)) {
    if (RULE_KEYS.has(key)) continue;
    problems.push(
      key === 'jqPathExpressions'
        ? `${where}: jqPathExpressions is not supported; use jsonPointers (e.g. "/spec/replicas") or managedFieldsManagers`
        : `${where} has an unknown key '${key}'; a rule may have ${[
            ...RULE_KEYS,
          ].join(', ')}`,
    );
  }
  const kind = raw.kind;
  if (typeof kind !== 'string' || !kind.trim()) {
    problems.push(
      `${where} has no kind; name one such as "Deployment", or "*" for every kind`,
    );
  } else {
    where = `${where} (kind ${kind})`;
  }
  for (const key of ['group', 'name', 'namespace'] as const) {
    const field = raw[key];
    if (field !== undefined && typeof field !== 'string') {
      problems.push(`${where}: ${key} must be a string`);
    }
    if (key !== 'group' && field === '') {
      problems.push(`${where}: ${key} is empty; leave it out to match any`);
    }
  }
  const pointers = readStrings(
    raw.jsonPointers,
    'jsonPointers',
    MAX_POINTERS,
    where,
    problems,
  );
  for (const pointer of pointers ?? []) {
    let tokens: string[];
    try {
      tokens = parseJsonPointer(pointer);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      continue;
    }
    const identity = identityFieldUnder(tokens);
    if (identity) {
      problems.push(
        `${where}: the pointer '${pointer}' would ignore ${identity}, which names the object; point at a field inside it, e.g. '/spec/replicas'`,
      );
    }
  }
  const managers = readStrings(
    raw.managedFieldsManagers,
    'managedFieldsManagers',
    MAX_MANAGERS,
    where,
    problems,
  );
  if (managers?.includes(FIELD_MANAGER)) {
    problems.push(
      `${where}: managedFieldsManagers lists '${FIELD_MANAGER}', Mooring's own field manager; that would ignore every field Mooring applies`,
    );
  }
  if (!pointers?.length && !managers?.length) {
    problems.push(
      `${where} ignores nothing; give jsonPointers (e.g. ["/spec/replicas"]) or managedFieldsManagers (e.g. ["kube-controller-manager"])`,
    );
  }
  if (problems.length > before) return undefined;
  return {
    ...(raw.group !== undefined ? { group: raw.group as string } : {}),
    kind: (kind as string).trim(),
    ...(raw.name !== undefined ? { name: raw.name as string } : {}),
    ...(raw.namespace !== undefined
      ? { namespace: raw.namespace as string }
      : {}),
    ...(pointers?.length ? { jsonPointers: pointers } : {}),
    ...(managers?.length ? { managedFieldsManagers: managers } : {}),
  };
}

function readStrings(
  value: unknown,
  key: string,
  max: number,
  where: string,
  problems: string[],
): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.some(entry => typeof entry !== 'string' || entry === '')
  ) {
    problems.push(`${where}: ${key} must be a list of non-empty strings`);
    return undefined;
  }
  if (value.length > max) {
    problems.push(
      `${where}: ${key} lists ${value.length} entries; at most ${max} are allowed`,
    );
    return undefined;
  }
  return value as string[];
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
