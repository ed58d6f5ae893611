import type { Config } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
import { Minimatch } from 'minimatch';
import { domainToASCII } from 'node:url';

/*
 * `gitops.allowedRepos`, read one way by everything that hands a URL to git
 * with the integrations' credentials: the engine before every fetch, the
 * catalog processor and the onboarding action before anything is pushed.
 * Matching the raw text with a glob is not enough: `?`, `#`, `@` or a
 * percent-encoded `..` would let a URL match a pattern while git connects
 * elsewhere (`https://evil.example#.example.com/**`,
 * `https://git.example.com/team/%2e%2e/other/repo`).
 */

const ALLOWED_PROTOCOLS = new Set(['https:', 'http:', 'git:', 'ssh:', 'file:']);

/**
 * Checks a Git URL before any git command sees it: no option injection
 * (`--upload-pack=…`), no transport helpers (`ext::…`), only ordinary
 * protocols, no query, fragment, password, empty, `.` or `..` path segment
 * (also percent-encoded), and only repositories `allowedRepos` (the
 * `gitops.allowedRepos` globs; none allows none) lists. Scheme, host and
 * path are matched each on its own.
 *
 * @throws InputError for a URL that is not a plain repository URL,
 *   NotAllowedError for one no pattern allows.
 * @public
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
  if (!matchesGlob(url.host, normalizeHost(host))) return false;
  const trimmed =
    patternPath.length > 1 ? patternPath.replace(/\/$/, '') : patternPath;
  return matchesGlob(url.path, trimmed);
}

/**
 * True when `pattern` (one `gitops.allowedRepos` glob) allows `url`, matched
 * as {@link checkRepoUrl} matches; false for a URL that cannot be parsed
 * safely.
 *
 * @public
 */
export function repoUrlAllowed(url: string, pattern: string): boolean {
  const parts = repoUrlParts(url);
  return parts.ok && partsMatch(parts, pattern);
}

/**
 * `gitops.allowedRepos` of `config` as a check of repository URLs (the
 * annotation parser's `checkRepo`): the problem {@link checkRepoUrl} finds,
 * or `undefined` for a repository Mooring may use.
 *
 * @public
 */
export function createRepoCheck(
  config: Config,
): (url: string) => string | undefined {
  const patterns = config.getOptionalStringArray('gitops.allowedRepos');
  return url => {
    try {
      checkRepoUrl(url, patterns);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
}

/** Compiled patterns, by options and pattern: grants and URL rules are few and matched constantly. */
const compiledPatterns = new Map<string, Minimatch>();

/** `minimatch(value, pattern, options)`, compiling each pattern once. */
function matchesGlob(value: string, pattern: string, nocase = false): boolean {
  const key = `${nocase ? 'i' : 's'}${pattern}`;
  let compiled = compiledPatterns.get(key);
  if (!compiled) {
    // Bounded: patterns come from configuration and annotations.
    if (compiledPatterns.size >= 2048) compiledPatterns.clear();
    compiled = new Minimatch(pattern, { dot: true, nocase });
    compiledPatterns.set(key, compiled);
  }
  return compiled.match(value);
}
