import fs from 'node:fs';
import { mockServices } from '@backstage/backend-test-utils';
import { TestRepo, tempDir } from '../__testUtils__/gitRepos';
import { spec } from '../__testUtils__/engineHarness';
import { GitSource } from '../source/GitSource';
import { ApplicationRegistry } from './ApplicationRegistry';
import { changedByPush, touchedFolders, touchesPath } from './changedByPush';

jest.setTimeout(60_000);

describe('touchesPath', () => {
  const touched = touchedFolders(['apps/ab/cm.yaml', 'base/x/deploy.yaml']);

  it.each([
    ['apps/ab', true],
    ['./apps/ab/', true],
    ['/apps/ab', true],
    ['apps', true],
    ['base/x', true],
    ['', true],
    ['.', true],
    ['apps/a', false],
    ['apps/ab/cm', false],
    ['apps/abc', false],
    ['base/xy', false],
    ['other', false],
    ['../outside', true],
    ['apps/../..', true],
  ])(
    'a change to apps/ab/cm.yaml and base/x/deploy.yaml: %j touched = %s',
    (folder, expected) => {
      expect(touchesPath(touched, folder)).toBe(expected);
    },
  );

  it('finds nothing touched when nothing changed, not even the root', () => {
    expect(touchesPath(touchedFolders([]), '')).toBe(false);
  });

  it('keeps dot folders as they are', () => {
    const dots = touchedFolders(['.config/app/cm.yaml']);
    expect(touchesPath(dots, '.config/app')).toBe(true);
    expect(touchesPath(dots, 'config/app')).toBe(false);
  });
});

describe('changedByPush against real Git', () => {
  const root = tempDir('changed-by-push');
  const work = tempDir('changed-by-push-work');
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('picks the applications whose folder changed since their last commit; unknown ones count as changed', async () => {
    const repo = new TestRepo(root, 'mono');
    const first = repo.commit(
      {
        'apps/a/cm.yaml': 'a: 1\n',
        'apps/ab/cm.yaml': 'ab: 1\n',
        'apps/c/cm.yaml': 'c: 1\n',
      },
      'First',
    );
    // Outside apps/c: only because Git no longer has it does c count as changed.
    const dropped = repo.commit({ 'docs/notes.md': 'x\n' }, 'Dropped');
    // Force-pushed away before this backend fetched it.
    repo.git('reset', '--quiet', '--hard', first);
    repo.git('reflog', 'expire', '--expire=now', '--all');
    repo.git('gc', '--quiet', '--prune=now');
    const head = repo.commit({ 'apps/ab/cm.yaml': 'ab: 2\n' }, 'Change ab');

    const git = new GitSource({
      workingDirectory: work,
      allowedRepos: [`file://${root}/**`],
      logger: mockServices.logger.mock(),
    });
    await git.listRemote(repo.fileUrl);
    const registry = new ApplicationRegistry();
    registry.replace([
      spec('a', repo.fileUrl, 'apps/a'),
      spec('ab', repo.fileUrl, 'apps/ab'),
      spec('c', repo.fileUrl, 'apps/c'),
      spec('new', repo.fileUrl, 'apps/c'),
      spec('current', repo.fileUrl, 'apps/ab'),
      spec('root', repo.fileUrl, ''),
      spec('gone-branch', repo.fileUrl, 'apps/a', { revision: 'nope' }),
    ]);
    const facts: Record<string, string | undefined> = {
      a: first,
      ab: first,
      c: dropped,
      new: undefined,
      current: head,
      root: first,
      'gone-branch': first,
    };
    for (const state of registry.all()) {
      state.facts.targetRevision = facts[state.spec.id];
    }
    const changed = await changedByPush(git, registry.all());
    expect([...changed].map(s => s.spec.id).sort()).toEqual([
      'ab',
      'c',
      'gone-branch',
      'new',
      'root',
    ]);
  });
});
