import type { Config } from '@backstage/config';
import type { JsonValue } from '@backstage/types';
import { InputError } from '@backstage/errors';

/** One entry of `gitops.tenancy.rules`: what the owners it names may deploy, and where. */
export interface TenancyRule {
  /** Entity ref globs matched against a component's `spec.owner`; `*` is anyone. */
  owners: string[];
  /** Globs over gitops cluster names. */
  clusters: string[];
  /** Globs over the namespaces the owners may write to. */
  namespaces: string[];
  /** Cluster-scoped kinds the owners may manage (`Kind` or `group/Kind`, globs). */
  clusterResources: string[];
  /** When set, narrows `gitops.allowedRepos` for these owners. */
  repos?: string[];
  /** When set, requests for these applications impersonate this service account of their namespace. */
  serviceAccount?: string;
}

const RULE_KEYS = [
  'owners',
  'clusters',
  'namespaces',
  'clusterResources',
  'repos',
  'serviceAccount',
];

// A service account name is a DNS-1123 subdomain.
const SERVICE_ACCOUNT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * Reads `gitops.tenancy.rules`. Returns `undefined` when `gitops.tenancy` is
 * absent: then the secure default applies to every application (its own
 * namespace only, nothing cluster-scoped). A present `gitops.tenancy` without
 * rules gives every owner that default too.
 *
 * Every key is checked, so a typo fails the start of the backend instead of
 * silently granting less (or more) than the platform meant.
 */
export function readTenancyRules(config: Config): TenancyRule[] | undefined {
  const tenancy = config.getOptional('gitops.tenancy');
  if (tenancy === undefined) return undefined;
  if (!isObject(tenancy)) {
    throw new InputError(
      'gitops.tenancy must be an object with a list of rules, e.g. tenancy: { rules: [...] }',
    );
  }
  for (const key of Object.keys(tenancy)) {
    if (key !== 'rules') {
      throw new InputError(
        `gitops.tenancy.${key} is not a tenancy setting; the only key is rules`,
      );
    }
  }
  const rules = tenancy.rules;
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules)) {
    throw new InputError('gitops.tenancy.rules must be a list of rules');
  }
  return rules.map((rule, index) =>
    readRule(rule, `gitops.tenancy.rules[${index}]`),
  );
}

function readRule(value: JsonValue, at: string): TenancyRule {
  if (!isObject(value)) {
    throw new InputError(
      `${at} must be an object with owners, clusters and namespaces`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!RULE_KEYS.includes(key)) {
      throw new InputError(
        `${at}.${key} is not a rule key; a rule has ${RULE_KEYS.join(', ')}`,
      );
    }
  }
  const owners = readPatterns(value.owners, `${at}.owners`, {
    required: true,
    example: "['group:default/payments']",
  });
  const clusters = readPatterns(value.clusters, `${at}.clusters`, {
    required: true,
    example: "['dev', 'prod']",
  });
  const namespaces = readPatterns(value.namespaces, `${at}.namespaces`, {
    example: "['payments', 'payments-*']",
  });
  const clusterResources = readPatterns(
    value.clusterResources,
    `${at}.clusterResources`,
    { example: "['Namespace', 'rbac.authorization.k8s.io/ClusterRole']" },
  );
  const rule: TenancyRule = {
    owners,
    clusters,
    namespaces: namespaces ?? [],
    clusterResources: clusterResources ?? [],
  };
  if (value.repos !== undefined) {
    rule.repos = readPatterns(value.repos, `${at}.repos`, {
      required: true,
      example: "['https://git.example.com/payments/**']",
    });
  }
  if (value.serviceAccount !== undefined) {
    const name = value.serviceAccount;
    if (typeof name !== 'string' || !SERVICE_ACCOUNT_NAME.test(name)) {
      throw new InputError(
        `${at}.serviceAccount must be the name of a service account, such as mooring (lower case letters, digits, '-' and '.'); got ${JSON.stringify(
          name,
        )}`,
      );
    }
    rule.serviceAccount = name;
  }
  return rule;
}

function readPatterns(
  value: JsonValue | undefined,
  at: string,
  options: { required: true; example: string },
): string[];
function readPatterns(
  value: JsonValue | undefined,
  at: string,
  options: { required?: false; example: string },
): string[] | undefined;
function readPatterns(
  value: JsonValue | undefined,
  at: string,
  options: { required?: boolean; example: string },
): string[] | undefined {
  if (value === undefined) {
    if (options.required) {
      throw new InputError(
        `${at} is missing; give a list such as ${options.example}`,
      );
    }
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw new InputError(
      `${at} must be a list such as ${options.example}, not ${JSON.stringify(
        value,
      )}`,
    );
  }
  if (options.required && value.length === 0) {
    throw new InputError(
      `${at} is empty, so the rule would grant nothing; give a list such as ${options.example}`,
    );
  }
  return value.map((item, index) => {
    if (typeof item !== 'string' || item.trim() === '') {
      throw new InputError(
        `${at}[${index}] must be a non-empty string, not ${JSON.stringify(
          item,
        )}`,
      );
    }
    if (item !== item.trim()) {
      throw new InputError(
        `${at}[${index}] "${item}" has leading or trailing spaces`,
      );
    }
    return item;
  });
}

function isObject(
  value: JsonValue | undefined,
): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
