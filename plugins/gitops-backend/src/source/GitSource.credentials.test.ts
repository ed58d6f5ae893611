import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { findOnPath } from '../render/runTool';
import { GitSource } from './GitSource';
import {
  TestRepo,
  startGitHttpServer,
  tempDir,
} from '../__testUtils__/gitRepos';

jest.setTimeout(60_000);

const TOKEN = 'glpat-mooring-test-token';

describe('GitSource with credentials from Backstage integrations', () => {
  const root = tempDir('git-http');
  const repo = new TestRepo(root, 'private.git');
  const head = repo.commit(
    { 'deploy/cm.yaml': 'kind: ConfigMap\n' },
    'Private release',
  );
  let server: Awaited<ReturnType<typeof startGitHttpServer>>;

  beforeAll(async () => {
    // Smart HTTP needs a bare repository; serve a bare clone of the test repo.
    repo.git('clone', '--quiet', '--bare', repo.dir, `${repo.dir}-bare.git`);
    server = await startGitHttpServer(root, {
      user: 'oauth2',
      password: TOKEN,
    });
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function source(integrations?: ScmIntegrations) {
    return new GitSource({
      workingDirectory: tempDir('work'),
      allowedRepos: [`${server.baseUrl}/**`],
      integrations,
      logger: mockServices.logger.mock(),
    });
  }

  it('is refused by the Git server without credentials, with a clear error', async () => {
    const error = await source()
      .resolve(server.url('private.git-bare.git'), 'main')
      .then(
        () => undefined,
        e => e as Error,
      );
    expect(error?.message).toMatch(/private\.git-bare\.git/);
    expect(error?.message).toMatch(/Authentication|401|could not read/i);
  });

  it('fetches with the GitLab integration’s token and never shows it', async () => {
    const integrations = ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          gitlab: [
            {
              host: server.baseUrl.replace('http://', ''),
              baseUrl: server.baseUrl,
              apiBaseUrl: `${server.baseUrl}/api/v4`,
              token: TOKEN,
            },
          ],
        },
      }),
    );
    const git = source(integrations);
    const url = server.url('private.git-bare.git');
    expect(await git.resolve(url, 'main')).toBe(head);
    const dir = await git.checkout(url, head);
    expect(fs.readFileSync(path.join(dir, 'deploy/cm.yaml'), 'utf8')).toBe(
      'kind: ConfigMap\n',
    );
    expect(await git.commitInfo(url, head)).toMatchObject({
      message: 'Private release',
    });
    expect(server.seen).toContain('authorized-attempt');

    // A failure with credentials set says what failed without the token.
    const missing = await git.resolve(url, 'no-such-branch').then(
      () => undefined,
      e => e as Error,
    );
    expect(missing?.message ?? '').not.toContain(TOKEN);
    expect(missing?.message ?? '').not.toContain(
      Buffer.from(`oauth2:${TOKEN}`).toString('base64'),
    );
  });

  it('runs git with a minimal environment and the token only in it, never in its arguments', async () => {
    const spy = tempDir('git-spy');
    const realGit = findOnPath('git')!;
    fs.writeFileSync(
      path.join(spy, 'git'),
      // The test's Git server runs git too (with GIT_PROJECT_ROOT); only Mooring's calls count.
      `#!/bin/sh\nif [ -z "$GIT_PROJECT_ROOT" ]; then printf '%s\\n' "$*" >> "${spy}/argv"; env >> "${spy}/env"; fi\nexec "${realGit}" "$@"\n`,
      { mode: 0o755 },
    );
    const saved = {
      PATH: process.env.PATH,
      SECRET: process.env.MOORING_BACKEND_SECRET,
    };
    process.env.PATH = `${spy}${path.delimiter}${process.env.PATH}`;
    process.env.MOORING_BACKEND_SECRET = 'backend-secret-value';
    try {
      const integrations = ScmIntegrations.fromConfig(
        new ConfigReader({
          integrations: {
            gitlab: [
              {
                host: server.baseUrl.replace('http://', ''),
                baseUrl: server.baseUrl,
                apiBaseUrl: `${server.baseUrl}/api/v4`,
                token: TOKEN,
              },
            ],
          },
        }),
      );
      const git = source(integrations);
      const url = server.url('private.git-bare.git');
      await git.checkout(url, await git.resolve(url, 'main'));
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.SECRET === undefined) delete process.env.MOORING_BACKEND_SECRET;
      else process.env.MOORING_BACKEND_SECRET = saved.SECRET;
    }
    const argv = fs.readFileSync(path.join(spy, 'argv'), 'utf8');
    const env = fs.readFileSync(path.join(spy, 'env'), 'utf8');
    const basic = Buffer.from(`oauth2:${TOKEN}`).toString('base64');
    expect(argv).toMatch(/ls-remote/);
    expect(argv).toMatch(/fetch/);
    expect(argv).not.toContain(TOKEN);
    expect(argv).not.toContain(basic);
    expect(argv).not.toMatch(/extraHeader/i);
    expect(env).toContain(`Authorization: Basic ${basic}`);
    expect(env).not.toContain('backend-secret-value');
    expect(env).not.toMatch(/^MOORING_BACKEND_SECRET=/m);
    expect(env).toMatch(/^HOME=.*git-home$/m);
    fs.rmSync(spy, { recursive: true, force: true });
  });
});
