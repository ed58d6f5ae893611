/** Label and field selectors, parsed once and matched many times. */

export type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'doesnotexist' };

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map(p => p.trim()).filter(p => p.length > 0);
}

const keyPattern =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

function checkKey(key: string, selector: string): string {
  if (!keyPattern.test(key)) {
    throw new SelectorError(
      `unable to parse requirement: invalid label key "${key}" in selector "${selector}"`,
    );
  }
  return key;
}

/** Parses a label selector string (`app=web,tier in (a,b),!legacy`). */
export function parseLabelSelector(selector: string): Requirement[] {
  return splitTopLevel(selector).map(part => {
    let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (m) {
      return {
        key: checkKey(m[1], selector),
        op: m[2] as 'in' | 'notin',
        values: m[3]
          .split(',')
          .map(v => v.trim())
          .filter(v => v !== ''),
      };
    }
    m = /^([^!=\s]+)\s*(==|!=|=)\s*(\S*)$/.exec(part);
    if (m) {
      return {
        key: checkKey(m[1], selector),
        op: m[2] === '!=' ? 'notin' : 'in',
        values: [m[3]],
      };
    }
    m = /^!\s*(\S+)$/.exec(part);
    if (m) return { key: checkKey(m[1], selector), op: 'doesnotexist' };
    if (/^\S+$/.test(part))
      return { key: checkKey(part, selector), op: 'exists' };
    throw new SelectorError(
      `unable to parse requirement "${part}" in label selector "${selector}"`,
    );
  });
}

/** Converts a `LabelSelector` object (matchLabels, matchExpressions) to requirements. */
export function labelSelectorRequirements(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): Requirement[] {
  const result: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    result.push({ key, op: 'in', values: [value] });
  }
  for (const expr of selector.matchExpressions ?? []) {
    const op = expr.operator.toLowerCase();
    if (op === 'in' || op === 'notin') {
      result.push({ key: expr.key, op, values: expr.values ?? [] });
    } else if (op === 'exists' || op === 'doesnotexist') {
      result.push({ key: expr.key, op });
    } else {
      throw new SelectorError(
        `unknown label selector operator "${expr.operator}"`,
      );
    }
  }
  return result;
}

export function matchesLabels(
  requirements: Requirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every(r => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      default:
        return false;
    }
  });
}

export type FieldRequirement = {
  path: string[];
  op: '=' | '!=';
  value: string;
};

/** Parses a field selector (`metadata.name=web,status.phase!=Running`). */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  return splitTopLevel(selector).map(part => {
    const m = /^([^!=\s]+)\s*(==|!=|=)\s*(.*)$/.exec(part);
    if (!m) {
      throw new SelectorError(
        `invalid field selector "${part}": use field=value or field!=value`,
      );
    }
    return {
      path: m[1].split('.'),
      op: m[2] === '!=' ? '!=' : '=',
      value: m[3].trim(),
    };
  });
}

export function matchesFields(
  requirements: FieldRequirement[],
  obj: unknown,
): boolean {
  return requirements.every(r => {
    let node: any = obj;
    for (const part of r.path) node = node?.[part];
    const actual = node === undefined || node === null ? '' : String(node);
    return r.op === '=' ? actual === r.value : actual !== r.value;
  });
}

/** The string form of requirements, for messages. */
export function formatRequirements(requirements: Requirement[]): string {
  return requirements
    .map(r => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case 'doesnotexist':
          return `!${r.key}`;
        default:
          return r.values.length === 1
            ? `${r.key}${r.op === 'in' ? '=' : '!='}${r.values[0]}`
            : `${r.key} ${r.op} (${r.values.join(',')})`;
      }
    })
    .join(',');
}
