import type {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';

/**
 * Git settings that authenticate to one repository, and the secrets they
 * hold (to mask in anything logged).
 *
 * @public
 */
export interface GitCredentials {
  /** `git -c` settings, as key and value. */
  config: Array<[string, string]>;
  /** The token or password, and the header value that encodes it. */
  secrets: string[];
}

/**
 * The credentials of the Backstage integration for this URL, as an
 * `Authorization` header sent only to the repository's origin: one reading
 * of the `integrations` config for every git command Mooring runs, so a
 * repository the engine can pull from is one onboarding can push to.
 * git://, file:// and SSH URLs get none here.
 *
 * @public
 */
export async function gitCredentialConfig(
  repoUrl: string,
  integrations: ScmIntegrations | undefined,
  githubCredentials: DefaultGithubCredentialsProvider | undefined,
): Promise<GitCredentials> {
  if (!integrations || !/^https?:/.test(repoUrl)) {
    return { config: [], secrets: [] };
  }
  let user: string | undefined;
  let password: string | undefined;
  if (integrations.github.byUrl(repoUrl) && githubCredentials) {
    const { token } = await githubCredentials.getCredentials({
      url: repoUrl,
    });
    if (token) [user, password] = ['x-access-token', token];
  } else if (integrations.gitlab.byUrl(repoUrl)) {
    const token = integrations.gitlab.byUrl(repoUrl)?.config.token;
    if (token) [user, password] = ['oauth2', token];
  } else if (integrations.gitea.byUrl(repoUrl)) {
    const config = integrations.gitea.byUrl(repoUrl)?.config;
    if (config?.password)
      [user, password] = [config.username ?? 'git', config.password];
  } else if (integrations.bitbucketServer.byUrl(repoUrl)) {
    const config = integrations.bitbucketServer.byUrl(repoUrl)?.config;
    if (config?.token) [user, password] = ['x-token-auth', config.token];
    else if (config?.password)
      [user, password] = [config.username, config.password];
  }
  if (!user || !password) return { config: [], secrets: [] };
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  return {
    config: [
      [
        `http.${new URL(repoUrl).origin}/.extraHeader`,
        `Authorization: Basic ${basic}`,
      ],
    ],
    secrets: [basic, password],
  };
}
