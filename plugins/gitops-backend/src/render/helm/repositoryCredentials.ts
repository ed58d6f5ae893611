import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseChartRepositoryUrl } from './chartRepositoryAllowed';

/** One entry of `gitops.helm.repositories`: a chart repository and how to sign in to it. */
export interface HelmRepositoryConfig {
  /** The repository, or a prefix of it on path segments, e.g. `https://charts.example.com/private`. */
  url: string;
  username?: string;
  password?: string;
}

type ParsedUrl = { scheme: string; host: string; path: string };

function parsedOrThrow(entry: HelmRepositoryConfig, index: number): ParsedUrl {
  const parsed = parseChartRepositoryUrl(entry.url);
  if ('problem' in parsed) {
    throw new Error(
      `gitops.helm.repositories[${index}].url "${entry.url}" ${parsed.problem}`,
    );
  }
  return parsed;
}

/**
 * Checks `gitops.helm.repositories` once, when the renderer is made: each URL
 * is a chart repository address, and username and password come together
 * (Helm signs in only with both).
 */
export function checkRepositoryConfig(
  entries: readonly HelmRepositoryConfig[],
): void {
  entries.forEach((entry, index) => {
    parsedOrThrow(entry, index);
    if (Boolean(entry.username) !== Boolean(entry.password)) {
      throw new Error(
        `gitops.helm.repositories[${index}] (${entry.url}) gives a ${
          entry.username
            ? 'username without a password'
            : 'password without a username'
        }; give both`,
      );
    }
  });
}

function segments(urlPath: string): string[] {
  return urlPath.split('/').filter(Boolean);
}

/**
 * The entry of `gitops.helm.repositories` for a repository URL: same scheme
 * and host (with port), and the entry's path a prefix of the URL's on whole
 * segments (`/private` covers `/private/stable`, not `/privateer`). The
 * longest prefix wins.
 */
export function repositoryConfigFor(
  url: string,
  entries: readonly HelmRepositoryConfig[],
): HelmRepositoryConfig | undefined {
  const parsed = parseChartRepositoryUrl(url);
  if ('problem' in parsed) return undefined;
  const wanted = segments(parsed.path);
  let best: { entry: HelmRepositoryConfig; length: number } | undefined;
  entries.forEach((entry, index) => {
    const candidate = parsedOrThrow(entry, index);
    if (candidate.scheme !== parsed.scheme || candidate.host !== parsed.host) {
      return;
    }
    const prefix = segments(candidate.path);
    if (
      prefix.length <= wanted.length &&
      prefix.every((segment, i) => segment === wanted[i]) &&
      (!best || prefix.length > best.length)
    ) {
      best = { entry, length: prefix.length };
    }
  });
  return best?.entry;
}

/** A repository `helm dependency build` signs in to, and the credentials it uses. */
export interface RepositorySignIn {
  /** The repository exactly as the chart names it, so Helm maps the dependency to it by URL. */
  url: string;
  username: string;
  password: string;
}

/**
 * The repositories among `repositories` (the remote ones a chart's
 * dependencies come from) that `gitops.helm.repositories` has credentials
 * for: chart repositories (`https://`) and OCI registries (`oci://`) alike.
 */
export function signInsFor(
  repositories: readonly string[],
  entries: readonly HelmRepositoryConfig[],
): RepositorySignIn[] {
  const signIns: RepositorySignIn[] = [];
  for (const url of new Set(repositories)) {
    const entry = repositoryConfigFor(url, entries);
    if (!entry?.username || !entry.password) continue;
    signIns.push({ url, username: entry.username, password: entry.password });
  }
  return signIns;
}

/** True for an `oci://` address. */
export function isOciRegistry(url: string): boolean {
  return url.toLowerCase().startsWith('oci://');
}

/**
 * Writes Helm's repositories file (`HELM_REPOSITORY_CONFIG`), readable by
 * the backend's user only, with one entry per repository to sign in to.
 * `helm dependency build` maps a dependency whose `repository` equals an
 * entry's URL to that entry and sends its credentials to that host only
 * (`pass_credentials_all: false`), so they never go on a command line or
 * into a process's environment.
 */
export async function writeRepositoriesFile(
  file: string,
  signIns: readonly RepositorySignIn[],
): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = stringify({
    apiVersion: '',
    generated: '0001-01-01T00:00:00Z',
    repositories: signIns.map((signIn, index) => ({
      name: `mooring-${index + 1}`,
      url: signIn.url,
      username: signIn.username,
      password: signIn.password,
      pass_credentials_all: false,
      insecure_skip_tls_verify: false,
    })),
  });
  const handle = await fs.open(file, 'wx', 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/** `text` with every password of `signIns` (plain and in a Basic header) replaced by `***`. */
export function withoutCredentials(
  text: string,
  signIns: readonly RepositorySignIn[],
): string {
  let result = text;
  for (const { username, password } of signIns) {
    for (const secret of [
      password,
      Buffer.from(`${username}:${password}`).toString('base64'),
      encodeURIComponent(password),
    ]) {
      if (secret) result = result.split(secret).join('***');
    }
  }
  return result;
}
