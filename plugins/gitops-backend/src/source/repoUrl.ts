import { InputError, NotAllowedError } from '@backstage/errors';
import gitUrlParse from 'git-url-parse';
import { minimatch } from 'minimatch';
import { domainToASCII } from 'node:url';

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
  const parts = repoUrlParts(url);
  if (!parts.ok) {
    throw new InputError(`Repository URL "${url}" ${parts.problem}`);
  }
  if (!patterns.some(pattern => partsMatch(parts, pattern))) {
    throw new NotAllowedError(
      `Repository ${url} is not in gitops.allowedRepos; an administrator must add it (allowed: ${
        patterns.join(', ') || 'none'
      })`,
    );
  }
}

/** A repository URL taken apart for matching, or why it cannot be. */
type RepoUrlParts =
  | { ok: true; scheme: string; user: string; host: string; path: string }
  | { ok: false; problem: string };

const GLOB = /[*?[\]{}!]/;

/** Lower case and, label by label where there is no glob, punycode. */
function normalizeHost(host: string): string {
  return host
    .toLowerCase()
    .split('.')
    .map(label =>
      [...label].every(c => c.charCodeAt(0) < 128) || GLOB.test(label)
        ? label
        : domainToASCII(label) || label,
    )
    .join('.');
}

/**
 * Scheme, user, host (with port) and path of a repository URL, parsed as
 * Git will connect: no query, fragment or password, no `.` or `..` segment
 * (also percent-encoded), no encoded `/`, no empty segment. An SCP-like
 * `user@host:path` is `ssh://user@host/path`.
 */
function repoUrlParts(url: string): RepoUrlParts {
  const scp = /^([\w.-]+)@([\w.-]+):(?!\/\/)(.*)$/.exec(url);
  const text = scp ? `ssh://${scp[1]}@${scp[2]}/${scp[3]}` : url;
  if (/[?#]/.test(text)) {
    return {
      ok: false,
      problem: 'holds "?" or "#"; give the plain repository URL',
    };
  }
  const raw = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(text);
  if (!raw) {
    return { ok: false, problem: 'is not a URL with scheme://host/path' };
  }
  const rawPath = raw[3] ?? '/';
  const segments = rawPath.replace(/\/$/, '').split('/').slice(1);
  for (const segment of segments) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return { ok: false, problem: 'holds a malformed percent-encoding' };
    }
    if (
      rawPath !== '/' &&
      (decoded === '' ||
        decoded === '.' ||
        decoded === '..' ||
        decoded.includes('/') ||
        decoded.includes('\\'))
    ) {
      return {
        ok: false,
        problem:
          'holds an empty, "." or ".." path segment (or an encoded slash); give the plain repository URL',
      };
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return { ok: false, problem: 'is not a URL' };
  }
  if (parsed.password) {
    return {
      ok: false,
      problem:
        'holds a password; configure credentials in the Backstage integrations instead',
    };
  }
  const host = normalizeHost(parsed.hostname);
  return {
    ok: true,
    scheme: parsed.protocol.replace(/:$/, '').toLowerCase(),
    user: decodeURIComponent(parsed.username),
    host: parsed.port ? `${host}:${parsed.port}` : host,
    path:
      segments
        .map(decodeURIComponent)
        .map(p => `/${p}`)
        .join('') || '/',
  };
}

/**
 * True when a pattern of `gitops.allowedRepos` allows a parsed URL: the
 * scheme must be equal, the host (any case) and the path match as globs,
 * each on its own, so no `?`, `#`, `@` or `..` in a URL can move text from
 * one part into another. A user in the pattern (`ssh://git@host/**`) must be
 * the URL's.
 */
function partsMatch(
  url: Extract<RepoUrlParts, { ok: true }>,
  pattern: string,
): boolean {
  const scp = /^([\w.-]+)@([^/:]+):(?!\/\/)(.*)$/.exec(pattern);
  const text = scp ? `ssh://${scp[1]}@${scp[2]}/${scp[3]}` : pattern;
  const parts = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/]*)@)?([^/]*)(\/.*)?$/i.exec(
    text,
  );
  if (!parts) return false;
  const [, scheme, user, host, patternPath = '/'] = parts;
  if (scheme.toLowerCase() !== url.scheme) return false;
  if (user !== undefined && user !== url.user) return false;
  if (!minimatch(url.host, normalizeHost(host), { dot: true })) return false;
  const trimmed =
    patternPath.length > 1 ? patternPath.replace(/\/$/, '') : patternPath;
  return minimatch(url.path, trimmed, { dot: true });
}

/** True when `pattern` (a `gitops.allowedRepos` glob) allows `url`; false for a URL that cannot be parsed safely. */
export function repoUrlAllowed(url: string, pattern: string): boolean {
  const parts = repoUrlParts(url);
  return parts.ok && partsMatch(parts, pattern);
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
