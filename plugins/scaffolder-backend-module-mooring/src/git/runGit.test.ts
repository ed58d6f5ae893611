import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gitCredentialConfig } from '@mooring/plugin-gitops-node';
import { maskSecrets, runGit } from './runGit';

const integrations = ScmIntegrations.fromConfig(
  new ConfigReader({
    integrations: {
      gitea: [
        { host: '127.0.0.1:1', username: 'mooring', password: 's3cr3t-token' },
      ],
    },
  }),
);
const github = DefaultGithubCredentialsProvider.fromIntegrations(integrations);

describe('git credentials', () => {
  it('never shows the token when git fails, nor one written in the URL', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-git-'));
    try {
      const url = 'http://127.0.0.1:1/team/shipping.git';
      const auth = await gitCredentialConfig(url, integrations, github);
      const error = await runGit(
        ['ls-remote', '--', url, 'https://mooring:s3cr3t-token@127.0.0.1:1/x'],
        {
          cwd: home,
          home,
          config: auth.config,
          secrets: auth.secrets,
        },
      ).catch(e => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^git ls-remote failed: /);
      expect((error as Error).message).not.toContain('s3cr3t-token');
      expect(
        maskSecrets('https://mooring:s3cr3t-token@git.example.com/x', []),
      ).toBe('https://mooring:***@git.example.com/x');
      expect(maskSecrets(`header ${auth.secrets[0]}`, auth.secrets)).toBe(
        'header ***',
      );
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses transport helpers a hostile URL could name', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-git-'));
    try {
      const marker = path.join(home, 'ran');
      await expect(
        runGit(['ls-remote', '--', `ext::sh -c touch% ${marker}`], {
          cwd: home,
          home,
        }),
      ).rejects.toThrow(/transport 'ext' not allowed/);
      expect(fs.existsSync(marker)).toBe(false);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
