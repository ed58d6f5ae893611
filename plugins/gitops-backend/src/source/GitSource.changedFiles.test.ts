import fs from 'node:fs';
import { mockServices } from '@backstage/backend-test-utils';
import { GitSource, SourceError } from './GitSource';
import { TestRepo, tempDir } from '../__testUtils__/gitRepos';

jest.setTimeout(60_000);

describe('GitSource.changedFiles', () => {
  const root = tempDir('git-changed-files');
  const works: string[] = [];
  afterAll(() => {
    for (const dir of [root, ...works]) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  function source(options: { maxDiffBytes?: number } = {}) {
    const workingDirectory = tempDir('work');
    works.push(workingDirectory);
    return new GitSource({
      workingDirectory,
      allowedRepos: [`file://${root}/**`],
      logger: mockServices.logger.mock(),
      ...options,
    });
  }

  it('lists the files two commits differ in, by name as Git has them, once per pair', async () => {
    const repo = new TestRepo(root, 'listed');
    const from = repo.commit(
      {
        'apps/a/cm.yaml': 'a: 1\n',
        'apps/ab/cm.yaml': 'ab: 1\n',
        'README.md': 'hello\n',
        'old name.yaml': 'x: 1\n',
      },
      'First',
    );
    const to = repo.commit(
      {
        'apps/a/cm.yaml': 'a: 2\n',
        'apps/ab/new file "quoted" é.yaml': 'n: 1\n',
        'README.md': null,
        'old name.yaml': null,
        'new name.yaml': 'x: 1\n',
      },
      'Second',
    );
    const git = source();
    await git.resolve(repo.fileUrl, 'main');
    const files = await git.changedFiles(repo.fileUrl, from, to);
    expect([...files].sort()).toEqual(
      [
        'README.md',
        'apps/a/cm.yaml',
        'apps/ab/new file "quoted" é.yaml',
        'new name.yaml',
        'old name.yaml',
      ].sort(),
    );
    expect(await git.changedFiles(repo.fileUrl, from, to)).toBe(files);
    expect(await git.changedFiles(repo.fileUrl, to, to)).toEqual([]);
  });

  it('fails clearly on a commit the clone does not have, as after a force push', async () => {
    const repo = new TestRepo(root, 'forced');
    repo.commit({ 'apps/a/cm.yaml': 'a: 1\n' }, 'First');
    const dropped = repo.commit({ 'apps/a/cm.yaml': 'a: 2\n' }, 'Dropped');
    // History rewritten before this backend ever fetched `dropped`.
    repo.git('reset', '--quiet', '--hard', 'HEAD~1');
    const head = repo.commit({ 'apps/b/cm.yaml': 'b: 1\n' }, 'Rewritten');
    repo.git('reflog', 'expire', '--expire=now', '--all');
    repo.git('gc', '--quiet', '--prune=now');
    const git = source();
    await expect(git.changedFiles(repo.fileUrl, dropped, head)).rejects.toThrow(
      new RegExp(`Could not list the files changed from ${dropped} to ${head}`),
    );
    await expect(
      git.changedFiles(repo.fileUrl, head, 'f'.repeat(40)),
    ).rejects.toThrow(`Commit ${'f'.repeat(40)} is not in ${repo.fileUrl}`);
  });

  it('refuses what is not a commit SHA before running Git', async () => {
    const repo = new TestRepo(root, 'refused');
    const head = repo.commit({ 'a.yaml': 'a: 1\n' }, 'First');
    const git = source();
    const owned = `${root}/owned`;
    for (const from of [`--output=${owned}`, 'main', 'HEAD~1', '']) {
      await expect(git.changedFiles(repo.fileUrl, from, head)).rejects.toThrow(
        SourceError,
      );
    }
    expect(fs.existsSync(owned)).toBe(false);
  });

  it('stops listing at its bound and says so', async () => {
    const repo = new TestRepo(root, 'huge');
    const from = repo.commit({ 'a.yaml': 'a: 1\n' }, 'First');
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`apps/app-${i}/cm.yaml`] = `i: ${i}\n`;
    const to = repo.commit(files, 'Many');
    const git = source({ maxDiffBytes: 1024 });
    await expect(git.changedFiles(repo.fileUrl, from, to)).rejects.toThrow(
      /differ in more files than 1024 bytes of names list/,
    );
    expect(await source().changedFiles(repo.fileUrl, from, to)).toHaveLength(
      200,
    );
  });
});
