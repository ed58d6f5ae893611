/**
 * Web page of a commit, when the repository URL is an http(s) URL of a known kind of
 * forge; undefined otherwise (SSH URLs, file paths), so callers show plain text.
 */
export function commitUrl(repoUrl: string, sha: string): string | undefined {
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!/^[0-9a-f]{7,64}$/i.test(sha)) return undefined;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  const base = url
    .toString()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
  if (url.hostname === 'bitbucket.org') return `${base}/commits/${sha}`;
  if (url.hostname.includes('gitlab')) return `${base}/-/commit/${sha}`;
  return `${base}/commit/${sha}`;
}

/** The first 7 characters of a commit SHA, the length people recognise. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{40,64}$/i.test(sha) ? sha.slice(0, 7) : sha;
}
