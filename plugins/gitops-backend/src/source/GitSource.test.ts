import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { GitSource } from './GitSource';
import { TestRepo, startGitDaemon, tempDir } from '../__testUtils__/gitRepos';

jest.setTimeout(60_000);

describe('GitSource', () => {
  const root = tempDir('git-source');
  const repo = new TestRepo(root, 'apps.git');
  const first = repo.commit(
    { 'app/cm.yaml': 'kind: ConfigMap\n' },
    'First commit',
  );
  repo.git('tag', 'v1');
  let daemon: Awaited<ReturnType<typeof startGitDaemon>>;

  beforeAll(async () => {
    daemon = await startGitDaemon(root);
  });
  afterAll(async () => {
    await daemon.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function source() {
    return new GitSource({
      workingDirectory: tempDir('work'),
      allowedRepos: ['git://127.0.0.1:*/**', `file://${root}/**`],
      logger: mockServices.logger.mock(),
    });
  }

  it.each(['file', 'git'])(
    'resolves, fetches and checks out over %s://',
    async scheme => {
      const url = scheme === 'file' ? repo.fileUrl : daemon.url('apps.git');
      const git = source();
      const head = repo.git('rev-parse', 'HEAD').trim();
      expect(await git.resolve(url, '')).toBe(head);
      expect(await git.resolve(url, 'main')).toBe(head);
      expect(await git.resolve(url, 'v1')).toBe(first);
      const dir = await git.checkout(url, first);
      expect(fs.readFileSync(path.join(dir, 'app/cm.yaml'), 'utf8')).toBe(
        'kind: ConfigMap\n',
      );
      expect(await git.commitInfo(url, first)).toEqual({
        sha: first,
        author: 'Ada Lovelace <ada@example.com>',
        message: 'First commit',
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });

      const second = repo.commit(
        { 'app/cm.yaml': `kind: Secret # ${scheme}\n` },
        'Second',
      );
      expect(await git.resolve(url, 'main')).toBe(second);
      const secondDir = await git.checkout(url, second);
      expect(fs.readFileSync(path.join(secondDir, 'app/cm.yaml'), 'utf8')).toBe(
        `kind: Secret # ${scheme}\n`,
      );
      expect(await git.resolve(url, first.slice(0, 10))).toBe(first);
    },
  );

  it('fetches once for many concurrent callers', async () => {
    const git = source();
    const spy = jest.spyOn(git as any, 'git');
    await Promise.all(
      Array.from({ length: 10 }, () => git.fetch(repo.fileUrl)),
    );
    const fetches = spy.mock.calls.length;
    expect(fetches).toBeLessThanOrEqual(2);
  });

  it('reads a commit once for many concurrent callers, and remembers it', async () => {
    const git = source();
    const spy = jest.spyOn(git as any, 'git');
    const infos = await Promise.all(
      Array.from({ length: 10 }, () => git.commitInfo(repo.fileUrl, first)),
    );
    expect(new Set(infos.map(info => info.message))).toEqual(
      new Set(['First commit']),
    );
    await git.commitInfo(repo.fileUrl, first);
    const logs = spy.mock.calls.filter(
      ([, args]) => (args as string[])[0] === 'log',
    );
    expect(logs).toHaveLength(1);
  });

  it('keeps the four most recently used checkouts of a repository on disk', async () => {
    const git = source();
    const shas = Array.from({ length: 6 }, (_, i) =>
      repo.commit({ 'app/cm.yaml': `kind: ConfigMap # ${i}\n` }, `Bump ${i}`),
    );
    const dirs: string[] = [];
    for (const [i, sha] of shas.entries()) {
      dirs.push(await git.checkout(repo.fileUrl, sha));
      // Using the first checkout again keeps it among the recent ones.
      if (i === 3) await git.checkout(repo.fileUrl, shas[0]);
    }
    const onDisk = async () => {
      for (let i = 0; i < 100; i++) {
        const present = dirs.map(dir => fs.existsSync(dir));
        if (present.filter(Boolean).length === 4) return present;
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      return dirs.map(dir => fs.existsSync(dir));
    };
    expect(await onDisk()).toEqual([true, false, false, true, true, true]);
  });

  it('refuses a checkout over the size or file limit before writing it', async () => {
    const big = new TestRepo(root, 'big.git');
    const sha = big.commit(
      {
        'app/large.yaml': `data: "${'x'.repeat(5000)}"\n`,
        'app/a.yaml': 'a: 1\n',
        'app/b.yaml': 'b: 1\n',
      },
      'Large',
    );
    const workingDirectory = tempDir('work-limits');
    const limited = (limits: {
      maxRepositoryBytes: number;
      maxFiles: number;
    }) =>
      new GitSource({
        workingDirectory,
        allowedRepos: [`file://${root}/**`],
        logger: mockServices.logger.mock(),
        limits,
      });
    await expect(
      limited({ maxRepositoryBytes: 1000, maxFiles: 100 }).checkout(
        big.fileUrl,
        sha,
      ),
    ).rejects.toThrow(
      /holds 50\d\d bytes, over the limit of 1000; .*gitops\.limits\.repositoryBytes/,
    );
    await expect(
      limited({ maxRepositoryBytes: 1e9, maxFiles: 2 }).checkout(
        big.fileUrl,
        sha,
        'app',
      ),
    ).rejects.toThrow(
      /holds 3 files, over the limit of 2; .*gitops\.limits\.files/,
    );
    // Nothing of it was written.
    expect(
      fs.readdirSync(path.join(workingDirectory, 'trees'), { recursive: true }),
    ).toEqual(
      expect.not.arrayContaining([expect.stringContaining('large.yaml')]),
    );
    const dir = await limited({
      maxRepositoryBytes: 1e9,
      maxFiles: 100,
    }).checkout(big.fileUrl, sha);
    expect(fs.existsSync(path.join(dir, 'app/large.yaml'))).toBe(true);
  });

  it('names unknown revisions and unreachable servers', async () => {
    const git = source();
    await expect(git.resolve(repo.fileUrl, 'nope')).rejects.toThrow(
      /Revision "nope" is not a branch, tag or commit of file:\/\//,
    );
    await expect(
      git.resolve('git://127.0.0.1:1/none.git', 'main'),
    ).rejects.toThrow(
      /Could not list the branches of git:\/\/127\.0\.0\.1:1\/none\.git: .*Check that the Git server is up/,
    );
  });

  it('refuses hostile and unlisted URLs before running git', async () => {
    const git = source();
    await expect(
      git.resolve('--upload-pack=touch /tmp/x', 'main'),
    ).rejects.toThrow(/git option/);
    await expect(git.resolve('ext::sh -c id', 'main')).rejects.toThrow(
      /transport helper/,
    );
    await expect(git.fetch('file:///etc')).rejects.toThrow(
      /not in gitops.allowedRepos/,
    );
  });

  it('stops a Git command that outlives its timeout, in words', async () => {
    // A server that accepts and never answers: git would wait forever.
    const sockets: net.Socket[] = [];
    const silent = net.createServer(socket => sockets.push(socket));
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const git = new GitSource({
        workingDirectory: tempDir('work'),
        allowedRepos: ['git://127.0.0.1:*/**'],
        logger: mockServices.logger.mock(),
        timeoutMs: 500,
      });
      await expect(
        git.resolve(`git://127.0.0.1:${port}/apps.git`, 'main'),
      ).rejects.toThrow(
        /Could not list the branches of git:\/\/127\.0\.0\.1:\d+\/apps\.git: git ls-remote did not finish within 500 ms/,
      );
    } finally {
      sockets.forEach(socket => socket.destroy());
      await new Promise(resolve => silent.close(resolve));
    }
  });

  it('refuses what is not a full commit id before running git', async () => {
    const git = source();
    const spy = jest.spyOn(git as any, 'git');
    for (const sha of ['--output=/tmp/x', 'HEAD', first.slice(0, 12)]) {
      await expect(git.commitInfo(repo.fileUrl, sha)).rejects.toThrow(
        `"${sha}" is not a full commit SHA of ${repo.fileUrl}`,
      );
      await expect(git.checkout(repo.fileUrl, sha)).rejects.toThrow(
        /is not a full commit SHA/,
      );
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('fetches past the lock files a stopped Git left, not past a fresh one', async () => {
    const git = new GitSource({
      workingDirectory: tempDir('work'),
      allowedRepos: [`file://${root}/**`],
      logger: mockServices.logger.mock(),
      timeoutMs: 60_000,
    });
    await git.fetch(repo.fileUrl);
    const clone: string = (git as any).repoDir(repo.fileUrl);
    const lock = path.join(clone, 'refs', 'heads', 'main.lock');
    const next = repo.commit({ 'app/lock.yaml': 'kind: ConfigMap\n' }, 'Lock');
    // Written just now: a Git may be at work, so the fetch fails in words.
    fs.writeFileSync(lock, '');
    await expect(git.fetch(repo.fileUrl)).rejects.toThrow(
      /Could not fetch .*main\.lock.*File exists/,
    );
    // Older than the timeout: nobody holds it.
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, old, old);
    await git.fetch(repo.fileUrl);
    expect(fs.existsSync(lock)).toBe(false);
    expect((await git.commitInfo(repo.fileUrl, next)).message).toBe('Lock');
  });
});
