import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

const KEY = 'gitops.commitStatus';

/** `gitops.commitStatus`, read and checked once at start-up. */
export interface CommitStatusSettings {
  /** Whether the syncs of an application on this cluster and target report. */
  enabledFor(app: { cluster: string; target: string }): boolean;
  /** How long a succeeded sync waits for the application to be Healthy. */
  healthTimeoutMs: number;
  /** `app.baseUrl`, for the link to the component's Deployments tab. */
  appBaseUrl?: string;
}

const TOP_KEYS = ['enabled', 'healthTimeout', 'clusters', 'targets'];

/**
 * Reads `gitops.commitStatus`. The most specific setting wins: a target's
 * `enabled`, then its cluster's, then the global one (default false).
 * Throws an error naming the key at fault, so the backend does not start
 * with a setting it would ignore.
 */
export function readCommitStatusSettings(config: Config): CommitStatusSettings {
  const appBaseUrl = config
    .getOptionalString('app.baseUrl')
    ?.replace(/\/+$/, '');
  if (!config.has(KEY)) {
    return { enabledFor: () => false, healthTimeoutMs: 600_000, appBaseUrl };
  }
  const section = config.getConfig(KEY);
  checkKeys(section, KEY, TOP_KEYS);
  const enabled = readBoolean(section, KEY, 'enabled') ?? false;
  const clusters = readOverrides(section, 'clusters');
  const targets = readOverrides(section, 'targets');
  let healthTimeoutMs = 600_000;
  if (section.has('healthTimeout')) {
    try {
      healthTimeoutMs = durationToMilliseconds(
        readDurationFromConfig(section, { key: 'healthTimeout' }),
      );
    } catch (error) {
      throw new Error(
        `${KEY}.healthTimeout is not a duration: ${
          (error as Error).message
        }; use e.g. { minutes: 10 } or 'PT10M'`,
      );
    }
    if (!(healthTimeoutMs > 0)) {
      throw new Error(`${KEY}.healthTimeout must be longer than zero`);
    }
  }
  return {
    enabledFor: ({ cluster, target }) =>
      targets.get(target) ?? clusters.get(cluster) ?? enabled,
    healthTimeoutMs,
    appBaseUrl,
  };
}

function readOverrides(section: Config, name: string): Map<string, boolean> {
  const overrides = new Map<string, boolean>();
  if (!section.has(name)) return overrides;
  const key = `${KEY}.${name}`;
  let entries: Config;
  try {
    entries = section.getConfig(name);
  } catch {
    throw new Error(
      `${key} must be an object of names, e.g. { prod: { enabled: false } }`,
    );
  }
  for (const entryName of entries.keys()) {
    const entryKey = `${key}.${entryName}`;
    let entry: Config;
    try {
      entry = entries.getConfig(entryName);
    } catch {
      throw new Error(
        `${entryKey} must be an object such as { enabled: true }`,
      );
    }
    checkKeys(entry, entryKey, ['enabled']);
    const value = readBoolean(entry, entryKey, 'enabled');
    if (value === undefined) {
      throw new Error(`${entryKey}.enabled is missing; say true or false`);
    }
    overrides.set(entryName, value);
  }
  return overrides;
}

function readBoolean(
  config: Config,
  parentKey: string,
  key: string,
): boolean | undefined {
  try {
    return config.getOptionalBoolean(key);
  } catch {
    throw new Error(`${parentKey}.${key} must be true or false`);
  }
}

function checkKeys(config: Config, key: string, known: string[]) {
  const unknown = config.keys().filter(k => !known.includes(k));
  if (unknown.length) {
    throw new Error(
      `${key}.${unknown[0]} is not a setting of ${key}; use ${known.join(
        ', ',
      )}`,
    );
  }
}
