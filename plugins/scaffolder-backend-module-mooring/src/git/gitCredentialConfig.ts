import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';

/** Git settings that authenticate to one repository, and the secrets they hold. */
export interface GitCredentials {
  config: Array<[string, string]>;
  secrets: string[];
}

/**
 * The credentials of the Backstage integration for this URL, as an
 * `Authorization` header sent only to the repository's origin: the same
 * `integrations` config the Mooring agent (GitSource) fetches with, so a
 * repository Mooring can pull from is one this action can push to. git://,
 * file:// and SSH URLs need none here.
 */
export async function gitCredentialConfig(
  repoUrl: string,
  integrations: ScmIntegrations,
  githubCredentials: DefaultGithubCredentialsProvider,
): Promise<GitCredentials> {
  if (!/^https?:/.test(repoUrl)) return { config: [], secrets: [] };
  let user: string | undefined;
  let password: string | undefined;
  if (integrations.github.byUrl(repoUrl)) {
    const { token } = await githubCredentials.getCredentials({ url: repoUrl });
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
