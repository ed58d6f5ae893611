import gitUrlParse from 'git-url-parse';

// The rules of gitops.allowedRepos (checkRepoUrl, repoUrlAllowed) live in
// @mooring/plugin-gitops-node, shared with the scaffolder module.

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
