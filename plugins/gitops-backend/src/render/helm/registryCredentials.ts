import fs from 'node:fs/promises';
import path from 'node:path';
import { parseChartRepositoryUrl } from './chartRepositoryAllowed';
import { isOciRegistry, RepositorySignIn } from './repositoryCredentials';

/** The registry (`host[:port]`, lower case) of an `oci://` address. */
export function registryHost(url: string): string | undefined {
  const parsed = parseChartRepositoryUrl(url);
  if ('problem' in parsed || parsed.scheme !== 'oci') return undefined;
  return parsed.host;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/**
 * True when an `oci://` registry is on the backend host itself (127.0.0.1,
 * ::1, localhost). Only such a registry is pulled from over plain HTTP
 * (`--plain-http`): production registries use TLS, and credentials must
 * never cross a network unencrypted.
 */
export function isLoopbackRegistry(url: string): boolean {
  if (!isOciRegistry(url)) return false;
  try {
    return LOOPBACK_HOSTS.has(new URL(url).hostname.toLowerCase());
  } catch {
    return false;
  }
}

/**
 * The registry sign-ins of a render, one per registry host: a registry
 * config file holds one set of credentials per host, so two dependencies
 * from the same registry covered by entries with different credentials are
 * refused (without showing either).
 */
export function registryAuths(
  signIns: readonly RepositorySignIn[],
  where: string,
): Map<string, RepositorySignIn> {
  const auths = new Map<string, RepositorySignIn>();
  for (const signIn of signIns) {
    const host = registryHost(signIn.url);
    if (!host) continue;
    const known = auths.get(host);
    if (
      known &&
      (known.username !== signIn.username || known.password !== signIn.password)
    ) {
      throw new Error(
        `${where}/Chart.yaml: dependencies come from ${known.url} and ${signIn.url}, the same OCI registry ${host}, but gitops.helm.repositories gives them different credentials; helm signs in to a registry with one set of credentials, so give one entry for the registry`,
      );
    }
    auths.set(host, known ?? signIn);
  }
  return auths;
}

/**
 * Writes Helm's registry config file (`HELM_REGISTRY_CONFIG`, Docker's
 * config.json format), readable by the backend's user only, with the
 * credentials of each registry to sign in to. Helm reads it when a registry
 * asks it to sign in, so the credentials never go on a command line or into
 * a process's environment.
 */
export async function writeRegistryConfig(
  file: string,
  auths: ReadonlyMap<string, RepositorySignIn>,
): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = JSON.stringify({
    auths: Object.fromEntries(
      [...auths].map(([host, { username, password }]) => [
        host,
        { auth: Buffer.from(`${username}:${password}`).toString('base64') },
      ]),
    ),
  });
  const handle = await fs.open(file, 'wx', 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}
