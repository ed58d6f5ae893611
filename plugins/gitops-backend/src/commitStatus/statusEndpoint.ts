import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
  getGitLabIntegrationRelativePath,
  getGiteaRequestOptions,
} from '@backstage/integration';

/** What a commit status says, before a provider spells it. */
export interface CommitStatus {
  /**
   * `superseded`: a newer sync of the application took over before this
   * commit became Healthy (GitHub and Gitea `error`, GitLab `canceled`).
   */
  state: 'pending' | 'success' | 'failure' | 'superseded';
  description: string;
  /** Stable per application, so each report updates the same status. */
  context: string;
  targetUrl?: string;
}

export type Provider = 'github' | 'gitlab' | 'gitea';

/** Where and how the statuses of one repository's commits are posted. */
export interface StatusEndpoint {
  provider: Provider;
  /** The URL a status of `sha` is posted to. */
  url(sha: string): string;
  headers: Record<string, string>;
  /** The credentials in `headers`, to mask in anything logged. */
  secrets: string[];
}

/** Longest description each API takes (GitHub refuses more than 140 characters). */
const DESCRIPTION_LIMIT: Record<Provider, number> = {
  github: 140,
  gitlab: 255,
  gitea: 255,
};

/**
 * The endpoint of the repository's Git host, from the Backstage
 * `integrations` that match its URL and the credentials Mooring fetches
 * with; a reason instead when it has none (no matching integration, no
 * token, a URL that names no repository).
 */
export async function resolveStatusEndpoint(
  repoUrl: string,
  integrations: ScmIntegrations,
  githubCredentials: DefaultGithubCredentialsProvider,
): Promise<StatusEndpoint | { skip: string }> {
  if (!/^https?:\/\//.test(repoUrl)) {
    return { skip: 'not an http(s) URL' };
  }
  const github = integrations.github.byUrl(repoUrl);
  if (github) {
    const apiBaseUrl = github.config.apiBaseUrl;
    if (!apiBaseUrl)
      return { skip: 'its GitHub integration has no apiBaseUrl' };
    const { token } = await githubCredentials.getCredentials({ url: repoUrl });
    if (!token) return { skip: 'its GitHub integration has no credentials' };
    const repo = repoPath(repoUrl, '');
    if (repo?.split('/').length !== 2) {
      return { skip: 'the URL names no GitHub owner and repository' };
    }
    return {
      provider: 'github',
      url: sha => `${apiBaseUrl}/repos/${encodePath(repo)}/statuses/${sha}`,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/vnd.github+json',
      },
      secrets: [token],
    };
  }
  const gitlab = integrations.gitlab.byUrl(repoUrl);
  if (gitlab) {
    const token = gitlab.config.token;
    if (!token) return { skip: 'its GitLab integration has no token' };
    const project = repoPath(
      repoUrl,
      getGitLabIntegrationRelativePath(gitlab.config),
    );
    if (!project?.includes('/')) {
      return { skip: 'the URL names no GitLab project' };
    }
    return {
      provider: 'gitlab',
      url: sha =>
        `${gitlab.config.apiBaseUrl}/projects/${encodeURIComponent(
          project,
        )}/statuses/${sha}`,
      headers: { 'PRIVATE-TOKEN': token },
      secrets: [token],
    };
  }
  const gitea = integrations.gitea.byUrl(repoUrl);
  if (gitea) {
    const { headers } = getGiteaRequestOptions(gitea.config) as {
      headers?: Record<string, string>;
    };
    if (!headers?.Authorization || !gitea.config.password) {
      return { skip: 'its Gitea integration has no password or token' };
    }
    const baseUrl = gitea.config.baseUrl ?? `https://${gitea.config.host}`;
    const repo = repoPath(repoUrl, new URL(baseUrl).pathname);
    if (repo?.split('/').length !== 2) {
      return { skip: 'the URL names no Gitea owner and repository' };
    }
    return {
      provider: 'gitea',
      url: sha =>
        `${baseUrl.replace(/\/+$/, '')}/api/v1/repos/${encodePath(
          repo,
        )}/statuses/${sha}`,
      headers: { Authorization: headers.Authorization },
      secrets: [
        gitea.config.password,
        headers.Authorization.replace(/^\S+\s+/, ''),
      ],
    };
  }
  return { skip: 'no GitHub, GitLab or Gitea integration matches it' };
}

/** The JSON body each API expects for `status`. */
export function statusBody(
  provider: Provider,
  status: CommitStatus,
): Record<string, string> {
  const description = trimTo(status.description, DESCRIPTION_LIMIT[provider]);
  const link: Record<string, string> = status.targetUrl
    ? { target_url: status.targetUrl }
    : {};
  if (provider === 'gitlab') {
    const state = {
      pending: 'running',
      success: 'success',
      failure: 'failed',
      superseded: 'canceled',
    }[status.state];
    return { state, name: status.context, description, ...link };
  }
  const state = status.state === 'superseded' ? 'error' : status.state;
  return { state, context: status.context, description, ...link };
}

/** `text` cut to `limit` characters (an ellipsis says it was cut). */
export function trimTo(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  // By code points, so a character outside the BMP is never cut in half.
  const characters = Array.from(flat);
  return characters.length <= limit
    ? flat
    : `${characters.slice(0, limit - 1).join('')}…`;
}

/**
 * The repository's path on its host below `prefix`, without `.git`:
 * `owner/repo`, or `group/subgroup/project` on GitLab.
 */
function repoPath(repoUrl: string, prefix: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(repoUrl).pathname);
  } catch {
    return undefined;
  }
  const base = prefix.replace(/\/+$/, '');
  if (base && !pathname.startsWith(`${base}/`)) return undefined;
  const path = pathname
    .slice(base.length)
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '');
  if (!path || path.split('/').some(s => !s || s === '.' || s === '..')) {
    return undefined;
  }
  return path;
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
