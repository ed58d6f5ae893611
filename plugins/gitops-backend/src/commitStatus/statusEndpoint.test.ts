import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { resolveStatusEndpoint, statusBody, trimTo } from './statusEndpoint';

const SHA = 'a'.repeat(40);

function resolve(repoUrl: string, integrations: object) {
  const scm = ScmIntegrations.fromConfig(new ConfigReader({ integrations }));
  return resolveStatusEndpoint(
    repoUrl,
    scm,
    DefaultGithubCredentialsProvider.fromIntegrations(scm),
  );
}

describe('resolveStatusEndpoint', () => {
  it('posts to GitHub’s API base with the integration’s token', async () => {
    const endpoint = await resolve('https://github.com/acme/payments.git', {
      github: [{ host: 'github.com', token: 'ghp_token' }],
    });
    expect(endpoint).toMatchObject({
      provider: 'github',
      headers: { Authorization: 'Bearer ghp_token' },
      secrets: ['ghp_token'],
    });
    expect('url' in endpoint && endpoint.url(SHA)).toBe(
      `https://api.github.com/repos/acme/payments/statuses/${SHA}`,
    );
  });

  it('encodes a GitLab project path with its subgroups, below a GitLab served on a sub-path', async () => {
    const endpoint = await resolve(
      'https://git.example.com/gitlab/platform/team/payments.git',
      {
        gitlab: [
          {
            host: 'git.example.com',
            baseUrl: 'https://git.example.com/gitlab',
            apiBaseUrl: 'https://git.example.com/gitlab/api/v4',
            token: 'glpat-token',
          },
        ],
      },
    );
    expect(endpoint).toMatchObject({
      provider: 'gitlab',
      headers: { 'PRIVATE-TOKEN': 'glpat-token' },
    });
    expect('url' in endpoint && endpoint.url(SHA)).toBe(
      `https://git.example.com/gitlab/api/v4/projects/platform%2Fteam%2Fpayments/statuses/${SHA}`,
    );
  });

  it('uses Gitea’s token header without a username, and Basic authentication with one', async () => {
    const tokenOnly = await resolve('https://gitea.example.com/acme/web', {
      gitea: [{ host: 'gitea.example.com', password: 'gitea-token' }],
    });
    expect(tokenOnly).toMatchObject({
      provider: 'gitea',
      headers: { Authorization: 'token gitea-token' },
    });
    expect('url' in tokenOnly && tokenOnly.url(SHA)).toBe(
      `https://gitea.example.com/api/v1/repos/acme/web/statuses/${SHA}`,
    );
    const basic = await resolve('https://gitea.example.com/acme/web', {
      gitea: [
        { host: 'gitea.example.com', username: 'bot', password: 'pass-word' },
      ],
    });
    expect(basic).toMatchObject({
      headers: {
        Authorization: `basic ${Buffer.from('bot:pass-word').toString(
          'base64',
        )}`,
      },
    });
    expect('secrets' in basic && basic.secrets).toContain('pass-word');
  });

  it.each([
    ['git@github.com:acme/payments.git', {}, /not an http/],
    ['https://github.com/acme/payments', {}, /no credentials/],
    [
      'https://git.example.com/acme/payments',
      {},
      /no GitHub, GitLab or Gitea integration/,
    ],
    [
      'https://github.com/acme',
      { github: [{ host: 'github.com', token: 't0ken' }] },
      /names no GitHub owner and repository/,
    ],
    [
      'https://github.com/acme%2F..%2Fother/x',
      { github: [{ host: 'github.com', token: 't0ken' }] },
      /names no GitHub owner/,
    ],
    [
      'https://gitlab.example.com/payments',
      {
        gitlab: [
          {
            host: 'gitlab.example.com',
            apiBaseUrl: 'https://gitlab.example.com/api/v4',
            token: 't0ken',
          },
        ],
      },
      /names no GitLab project/,
    ],
    [
      'https://gitlab.example.com/acme/payments',
      {
        gitlab: [
          {
            host: 'gitlab.example.com',
            apiBaseUrl: 'https://gitlab.example.com/api/v4',
          },
        ],
      },
      /GitLab integration has no token/,
    ],
  ])('skips %s (%j)', async (url, integrations, reason) => {
    const endpoint = await resolve(url, integrations);
    expect('skip' in endpoint && endpoint.skip).toMatch(reason);
  });
});

describe('statusBody', () => {
  const status = {
    context: 'mooring/payments/prod',
    description: 'Deploying to prod/payments',
    targetUrl:
      'https://backstage.example.com/catalog/default/component/payments/deployments',
  };

  it('spells each state as its API does', () => {
    const states = ['pending', 'success', 'failure', 'superseded'] as const;
    expect(
      states.map(state => statusBody('github', { ...status, state }).state),
    ).toEqual(['pending', 'success', 'failure', 'error']);
    expect(
      states.map(state => statusBody('gitea', { ...status, state }).state),
    ).toEqual(['pending', 'success', 'failure', 'error']);
    expect(
      states.map(state => statusBody('gitlab', { ...status, state }).state),
    ).toEqual(['running', 'success', 'failed', 'canceled']);
  });

  it('names the status `context` on GitHub and Gitea, `name` on GitLab', () => {
    expect(statusBody('github', { ...status, state: 'pending' })).toEqual({
      state: 'pending',
      context: 'mooring/payments/prod',
      description: 'Deploying to prod/payments',
      target_url: status.targetUrl,
    });
    expect(statusBody('gitlab', { ...status, state: 'pending' })).toEqual({
      state: 'running',
      name: 'mooring/payments/prod',
      description: 'Deploying to prod/payments',
      target_url: status.targetUrl,
    });
  });

  it('cuts descriptions to the API’s limit, on one line', () => {
    const long = `Sync failed:\n${'x'.repeat(400)}`;
    const github = statusBody('github', {
      ...status,
      state: 'failure',
      description: long,
    }).description;
    expect(github).toHaveLength(140);
    expect(github.endsWith('…')).toBe(true);
    expect(github).not.toContain('\n');
    expect(
      statusBody('gitlab', { ...status, state: 'failure', description: long })
        .description,
    ).toHaveLength(255);
    expect(trimTo('short', 140)).toBe('short');
    expect(trimTo('🚀'.repeat(10), 5)).toBe('🚀🚀🚀🚀…');
  });
});
