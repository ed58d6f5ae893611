import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { gitCredentialConfig } from './gitCredentialConfig';

const integrations = ScmIntegrations.fromConfig(
  new ConfigReader({
    integrations: {
      gitea: [
        { host: '127.0.0.1:1', username: 'mooring', password: 's3cr3t-token' },
      ],
      gitlab: [
        {
          host: 'gitlab.example.com',
          apiBaseUrl: 'https://gitlab.example.com/api/v4',
          token: 'gl-token',
        },
      ],
    },
  }),
);
const github = DefaultGithubCredentialsProvider.fromIntegrations(integrations);

describe('gitCredentialConfig', () => {
  it('sends the integration token to the repository origin only, as a header whose secrets are listed', async () => {
    const auth = await gitCredentialConfig(
      'http://127.0.0.1:1/team/shipping.git',
      integrations,
      github,
    );
    const basic = Buffer.from('mooring:s3cr3t-token').toString('base64');
    expect(auth.config).toEqual([
      ['http.http://127.0.0.1:1/.extraHeader', `Authorization: Basic ${basic}`],
    ]);
    expect(auth.secrets).toEqual([basic, 's3cr3t-token']);
    const gitlab = await gitCredentialConfig(
      'https://gitlab.example.com/team/app.git',
      integrations,
      github,
    );
    expect(gitlab.config).toEqual([
      [
        'http.https://gitlab.example.com/.extraHeader',
        `Authorization: Basic ${Buffer.from('oauth2:gl-token').toString(
          'base64',
        )}`,
      ],
    ]);
  });

  it('gives none for git://, file://, SSH, an unknown host or no integrations', async () => {
    for (const url of [
      'git://127.0.0.1:9418/shipping.git',
      'file:///srv/git/shipping.git',
      'ssh://git@127.0.0.1:1/team/shipping.git',
      'https://elsewhere.example.com/team/shipping.git',
    ]) {
      expect(await gitCredentialConfig(url, integrations, github)).toEqual({
        config: [],
        secrets: [],
      });
    }
    expect(
      await gitCredentialConfig(
        'http://127.0.0.1:1/team/shipping.git',
        undefined,
        undefined,
      ),
    ).toEqual({ config: [], secrets: [] });
  });
});
