import { TestDatabases } from '@backstage/backend-test-utils';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  createTestEngine,
  kubeSimSuite,
  spec,
} from '../__testUtils__/engineHarness';
import { configMap } from '../__testUtils__/fixtures';
import { GitSource } from '../source/GitSource';
import { reconcileOffset } from './reconcileSpread';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/**
 * A spread reconcile asks Git for each repository when its applications'
 * moments come, not all at once at the start as well: an ls-remote made at
 * the start is stale (older than the 10 s an application's resolve trusts)
 * by the time most of the fleet is reconciled, so it would only double the
 * load on the Git hosts, in one burst.
 */
describe('the spread reconcile and Git', () => {
  const suite = kubeSimSuite('reconcile-spread-git');

  it('lists a repository once for an application late in the window', async () => {
    const windowMs = 12_000;
    // An application whose moment comes after the 10 s a listing is trusted.
    const id = 'late-127';
    expect(reconcileOffset(id, windowMs)).toBeGreaterThan(10_500);
    const repo = new TestRepo(suite.root, 'late');
    repo.commit(
      { 'app/settings.yaml': configMap('settings', { mode: 'fast' }) },
      'Settings',
    );
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
    });
    suite.cleanups.push(cleanup);
    await engine.setApplications([spec(id, repo.fileUrl, 'app')]);
    const listings = jest.spyOn(GitSource.prototype, 'listRemote');
    try {
      await engine.reconcileAll({
        spreadOverMs: windowMs,
      });
      const { status } = await engine.getApplication(id);
      expect(status.targetRevision).toMatch(/^[0-9a-f]{40}$/);
      const fromGit = listings.mock.calls.filter(
        ([url, options]) => url === repo.fileUrl && !options?.maxAgeMs,
      ).length;
      const resolved = listings.mock.calls.filter(
        ([url]) => url === repo.fileUrl,
      ).length;
      // One look at the repository: the application's own, when it came.
      expect({ fromGit, resolved }).toEqual({ fromGit: 0, resolved: 1 });
    } finally {
      listings.mockRestore();
    }
  });
});
