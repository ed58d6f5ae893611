import { InputError, NotAllowedError } from '@backstage/errors';
import gitUrlParse from 'git-url-parse';
import { minimatch } from 'minimatch';

const ALLOWED_PROTOCOLS = new Set(['https:', 'http:', 'git:', 'ssh:', 'file:']);

/**
 * Checks a Git URL before any git command sees it: no option injection
 * (`--upload-pack=…`), no transport helpers (`ext::…`), only ordinary
 * protocols, and only repositories `gitops.allowedRepos` lists.
 */
export function checkRepoUrl(
  url: string,
  allowedRepos: string[] | undefined,
): void {
  if (url.startsWith('-')) {
    throw new InputError(
      `Repository URL "${url}" looks like a git option; give a URL such as https://git.example.com/team/app.git`,
    );
  }
  if (url.includes('::')) {
    throw new InputError(
      `Repository URL "${url}" uses a git transport helper ("::"), which Mooring does not allow`,
    );
  }
  const trimmed = url.trim();
  if (!trimmed || trimmed !== url || /[\s\0]/.test(url)) {
    throw new InputError(
      `Repository URL "${url}" is empty or holds whitespace`,
    );
  }
  const scpLike = /^[\w.-]+@[\w.-]+:(?!\/\/)/.test(url);
  if (!scpLike) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new InputError(
        `Repository URL "${url}" is not a URL; give one such as https://git.example.com/team/app.git`,
      );
    }
    if (!ALLOWED_PROTOCOLS.has(parsed.protocol)) {
      throw new InputError(
        `Repository URL "${url}" uses protocol ${parsed.protocol}; use https, http, git, ssh or file`,
      );
    }
  }
  const patterns = allowedRepos ?? [];
  if (!patterns.some(pattern => minimatch(url, pattern, { dot: true }))) {
    throw new NotAllowedError(
      `Repository ${url} is not in gitops.allowedRepos; an administrator must add it (allowed: ${
        patterns.join(', ') || 'none'
      })`,
    );
  }
}

/**
 * A repository URL reduced to what names the repository: protocol, host
 * (any case), port and path, without `.git`, trailing slashes, credentials
 * or query. URLs git-url-parse cannot read keep their text, less trailing
 * slashes and `.git`.
 */
function repoIdentity(url: string): string {
  const plain = url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  let parsed: ReturnType<typeof gitUrlParse>;
  try {
    parsed = gitUrlParse(url.trim());
  } catch {
    return plain;
  }
  const { protocol, resource, port, full_name: fullName } = parsed;
  // `host:path` without a user parses as a protocol named after the host.
  if (!fullName || (!resource && protocol !== 'file')) return plain;
  return `${protocol}://${resource.toLowerCase()}${
    port ? `:${port}` : ''
  }/${fullName}`;
}

/**
 * True when both URLs name the same repository the same way:
 * `https://Git.example.com/team/app.git` and `https://git.example.com/team/app/`
 * are one repository; another protocol, port or path is another remote.
 */
export function sameRepo(a: string, b: string): boolean {
  return repoIdentity(a) === repoIdentity(b);
}
