import { minimatch } from 'minimatch';

const PATTERN = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)(\/[^?#]*)?$/i;

/**
 * A chart repository URL reduced to scheme, host and path, or a reason it is
 * refused: credentials, a query or fragment, and `.`/`..` segments (plain or
 * percent-encoded) have no place in a repository address.
 */
export function parseChartRepositoryUrl(
  url: string,
): { scheme: string; host: string; path: string } | { problem: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: 'is not a URL' };
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (!['https', 'http', 'oci'].includes(scheme)) {
    return { problem: `uses ${scheme}:, not https:, http: or oci:` };
  }
  if (parsed.username || parsed.password) {
    return {
      problem: 'holds credentials; give them in config, never in the chart',
    };
  }
  if (parsed.search || parsed.hash || /[?#]/.test(url)) {
    return { problem: 'holds a query or fragment' };
  }
  const rawPath = url.replace(/^[^:]+:\/\/[^/]*/, '');
  const segments = rawPath.split('/').map(segment => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  if (segments.some(s => s === '.' || s === '..' || /[/\\]/.test(s))) {
    return { problem: 'holds "." or ".." path segments' };
  }
  return {
    scheme,
    host: parsed.host.toLowerCase(),
    path: parsed.pathname.replace(/\/+$/, '') || '/',
  };
}

/**
 * True when a chart repository URL matches one of the patterns of
 * `gitops.helm.allowedRepositories`: the scheme must be equal, the host and
 * the path are globs matched separately (so `*` in a host never spans a `/`,
 * `?` or `#`), e.g. `https://charts.example.com/**` or `oci://*.corp/charts/*`.
 */
export function chartRepositoryAllowed(
  url: string,
  patterns: readonly string[],
): boolean {
  const parsed = parseChartRepositoryUrl(url);
  if ('problem' in parsed) return false;
  return patterns.some(pattern => {
    const match = PATTERN.exec(pattern.trim());
    if (!match) return false;
    const [, scheme, host, path = '/'] = match;
    const patternPath = path.replace(/\/+$/, '') || '/';
    return (
      scheme.toLowerCase() === parsed.scheme &&
      minimatch(parsed.host, host.toLowerCase(), { dot: true }) &&
      (minimatch(parsed.path, patternPath, { dot: true }) ||
        // `https://host/**` also allows the repository at the host's root.
        (patternPath.endsWith('/**') &&
          parsed.path === (patternPath.slice(0, -3) || '/')))
    );
  });
}
