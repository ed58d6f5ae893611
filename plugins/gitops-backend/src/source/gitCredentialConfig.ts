import type {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';

/**
 * Git config carrying the credentials of the Backstage integration for
 * this URL: an `Authorization` header sent only to the repository's
 * origin.
 */
export async function gitCredentialConfig(
  repoUrl: string,
  integrations: ScmIntegrations | undefined,
  githubCredentials: DefaultGithubCredentialsProvider | undefined,
): Promise<Array<[string, string]>> {
  if (!integrations || !/^https?:/.test(repoUrl)) return [];
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
  if (!user || !password) return [];
  const basic = Buffer.from(`${user}:${password}`).toString('base64');
  return [
    [
      `http.${new URL(repoUrl).origin}/.extraHeader`,
      `Authorization: Basic ${basic}`,
    ],
  ];
}
