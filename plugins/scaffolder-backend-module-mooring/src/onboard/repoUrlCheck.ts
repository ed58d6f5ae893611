import { minimatch } from 'minimatch';
import { domainToASCII } from 'node:url';

/*
 * `gitops.allowedRepos` as the Mooring agent reads it (gitops-backend's
 * source/repoUrl.ts): onboarding clones and pushes with the integration's
 * credentials, so it must refuse every URL the agent would refuse, before
 * git sees it. Matching the raw text with a glob is not enough: `?`, `#`,
 * `@` or a percent-encoded `..` would let a URL match a pattern while git
 * connects elsewhere (`https://evil.example#.example.com/**`,
 * `https://git.example.com/team/%2e%2e/other/repo`).
 */

const ALLOWED_PROTOCOLS = new Set(['https', 'http', 'git', 'ssh', 'file']);
const GLOB = /[*?[\]{}!]/;

interface RepoUrlParts {
  scheme: string;
  user: string;
  host: string;
  path: string;
}

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

/** The URL taken apart as git will connect, or why it is refused. */
function repoUrlParts(url: string): RepoUrlParts | string {
  if (url.startsWith('-')) return 'looks like a git option';
  if (url.includes('::')) return 'uses a git transport helper ("::")';
  if (!url || url.trim() !== url || /[\s\0]/.test(url)) {
    return 'is empty or holds whitespace';
  }
  const scp = /^([\w.-]+)@([\w.-]+):(?!\/\/)(.*)$/.exec(url);
  const text = scp ? `ssh://${scp[1]}@${scp[2]}/${scp[3]}` : url;
  if (/[?#]/.test(text)) {
    return 'holds "?" or "#"; give the plain repository URL';
  }
  const raw = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(text);
  if (!raw) return 'is not a URL with scheme://host/path';
  const scheme = raw[1].toLowerCase();
  if (!ALLOWED_PROTOCOLS.has(scheme)) {
    return `uses protocol ${scheme}:; use https, http, git, ssh or file`;
  }
  const rawPath = raw[3] ?? '/';
  const segments = rawPath.replace(/\/$/, '').split('/').slice(1);
  const decoded: string[] = [];
  for (const segment of segments) {
    let part: string;
    try {
      part = decodeURIComponent(segment);
    } catch {
      return 'holds a malformed percent-encoding';
    }
    if (
      rawPath !== '/' &&
      (part === '' ||
        part === '.' ||
        part === '..' ||
        part.includes('/') ||
        part.includes('\\'))
    ) {
      return 'holds an empty, "." or ".." path segment (or an encoded slash); give the plain repository URL';
    }
    decoded.push(part);
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (parsed.password) {
    return 'holds a password; configure credentials in the Backstage integrations instead';
  }
  const host = normalizeHost(parsed.hostname);
  return {
    scheme,
    user: decodeURIComponent(parsed.username),
    host: parsed.port ? `${host}:${parsed.port}` : host,
    path: decoded.map(p => `/${p}`).join('') || '/',
  };
}

/** Scheme equal, host and path matched each on its own, a pattern's user the URL's. */
function partsMatch(url: RepoUrlParts, pattern: string): boolean {
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

/**
 * Why `gitops.allowedRepos` refuses `url` (as the agent would), or undefined
 * when a pattern allows it.
 */
export function repoUrlProblem(
  url: string,
  patterns: string[],
): string | undefined {
  const parts = repoUrlParts(url);
  if (typeof parts === 'string') return `repository URL ${url} ${parts}`;
  if (patterns.some(pattern => partsMatch(parts, pattern))) return undefined;
  return `repository ${url} is not in gitops.allowedRepos; an administrator must add it (allowed: ${
    patterns.join(', ') || 'none'
  })`;
}
