import { InputError, NotAllowedError } from '@backstage/errors';
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
