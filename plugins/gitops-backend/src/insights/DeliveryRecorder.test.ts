import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap, deployment } from '../__testUtils__/fixtures';
import { DatabaseGitopsStore } from '../store/DatabaseGitopsStore';
import { DeliveryRecorder } from './DeliveryRecorder';

jest.setTimeout(180_000);

/*
 * The recorder on a real engine (kube-sim, real Git): what the engine's
 * events write to the ledger, read back through the figures.
 */

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const ADA = 'user:default/ada';

describe('DeliveryRecorder', () => {
  const suite = kubeSimSuite('delivery');

  it.each(databases.eachSupportedId())(
    'records syncs as deployments, live once Synced and Healthy, and a dry run or a same-commit resync as none (%p)',
    async databaseId => {
      const database = await databases.init(databaseId);
      const id = `delivery-${databaseId.toLowerCase().replace(/_/g, '')}`;
      const repo = new TestRepo(suite.root, id);
      const v1 = repo.commit(
        {
          'app/web.yaml': deployment('web', 'nginx:1.27'),
          'app/settings.yaml': configMap('settings', { v: '1' }),
        },
        'v1',
      );
      const { engine, cleanup } = await createTestEngine({
        sim: suite.sim,
        database,
      });
      suite.cleanups.push(cleanup);
      const store = await DatabaseGitopsStore.create({ database });
      const recorder = new DeliveryRecorder({
        ledger: store,
        logger: mockServices.logger.mock(),
      });
      const detach = recorder.attach(engine);
      suite.cleanups.push(async () => detach());
      await engine.setApplications([
        {
          ...spec(id, repo.fileUrl, 'app'),
          owner: 'group:default/team-a',
        },
      ]);
      await engine.start();
      const figures = async () => {
        await recorder.flush();
        return store.deliveryFigures({
          entityRefs: [`component:default/${id}`],
          from: Date.now() - 86_400_000,
          to: Date.now() + 60_000,
        });
      };
      const finished = (runId: string) =>
        waitFor(`run ${runId} to end`, async () => {
          const run = (await engine.getHistory(id)).find(r => r.id === runId);
          return run && run.phase !== 'Running' && run;
        });

      const first = await engine.sync(id, { initiatedBy: ADA });
      const firstRun = await finished(first.id);
      expect(firstRun.phase).toBe('Succeeded');
      const afterFirst = await waitFor(
        'the first sync to go live',
        async () => {
          const f = await figures();
          return f.leadTime.count === 1 && f;
        },
      );
      expect(afterFirst).toMatchObject({
        deployments: 1,
        failures: 0,
        targets: ['default'],
        timeToRestore: { count: 0 },
      });
      // From the commit's committer date to Synced and Healthy: not before
      // the sync started, not after now.
      const committed = Date.parse(
        repo.git('log', '-1', '--format=%cI', v1).trim(),
      );
      expect(Date.parse(firstRun.commit.date)).toBe(committed);
      expect(afterFirst.leadTime.medianMs).toBeGreaterThanOrEqual(
        Date.parse(firstRun.startedAt) - committed,
      );
      expect(afterFirst.leadTime.medianMs).toBeLessThanOrEqual(
        Date.now() - committed,
      );

      // A dry run and a resync of the same commit that changes nothing are no deployments.
      await engine.sync(id, { initiatedBy: ADA, dryRun: true });
      const again = await engine.sync(id, { initiatedBy: ADA });
      await finished(again.id);
      expect((await figures()).deployments).toBe(1);

      // A new commit is.
      const v2 = repo.commit(
        { 'app/settings.yaml': configMap('settings', { v: '2' }) },
        'v2',
      );
      const second = await engine.sync(id, { initiatedBy: ADA, revision: v2 });
      expect((await finished(second.id)).commit.sha).toBe(v2);
      const afterSecond = await waitFor(
        'the second sync to go live',
        async () => {
          const f = await figures();
          return f.leadTime.count === 2 && f;
        },
      );
      expect(afterSecond).toMatchObject({ deployments: 2, failures: 0 });
      expect(
        await store.deploymentEntitiesOfOwner('group:default/team-a', {
          from: 0,
          to: Date.now() + 60_000,
        }),
      ).toEqual([`component:default/${id}`]);
    },
  );
});
