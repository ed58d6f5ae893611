import { ConfigReader } from '@backstage/config';
import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { createGitopsEngine } from './createGitopsEngine';
import { tempDir } from '../__testUtils__/gitRepos';

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('createGitopsEngine', () => {
  it('schedules the reconcile on every replica at the configured interval', async () => {
    const scheduler = mockServices.scheduler.mock();
    const engine = await createGitopsEngine({
      config: new ConfigReader({
        gitops: { reconcile: { interval: 'PT45S' }, allowedRepos: [] },
      }),
      logger: mockServices.logger.mock(),
      database: await databases.init('SQLITE_3'),
      scheduler,
      workingDirectory: tempDir('create'),
    });
    await engine.start();
    expect(scheduler.scheduleTask).toHaveBeenCalledWith(
      expect.objectContaining({
        id: 'gitops-reconcile',
        frequency: { seconds: 45 },
        scope: 'local',
      }),
    );
    await engine.stop();
  });

  it('refuses bad settings with the key to fix', async () => {
    const create = async (gitops: object) =>
      createGitopsEngine({
        config: new ConfigReader({ gitops }),
        logger: mockServices.logger.mock(),
        database: await databases.init('SQLITE_3'),
        workingDirectory: tempDir('create'),
      });
    await expect(create({ reconcile: { concurrency: 0 } })).rejects.toThrow(
      /gitops.reconcile.concurrency must be a positive integer/,
    );
    await expect(create({ reconcile: { interval: 'soon' } })).rejects.toThrow(
      /gitops.reconcile.interval is not a duration/,
    );
    await expect(
      create({
        syncWindows: [{ kind: 'deny', schedule: '0 22 * *', duration: '8h' }],
      }),
    ).rejects.toThrow(
      /gitops.syncWindows\[0\].schedule '0 22 \* \*' is not a cron schedule/,
    );
  });

  it('starts without clusters when gitops.kubeconfig names a missing file, and says so', async () => {
    const logger = mockServices.logger.mock();
    const engine = await createGitopsEngine({
      config: new ConfigReader({
        gitops: { kubeconfig: '/nonexistent/engine-kubeconfig' },
      }),
      logger,
      database: await databases.init('SQLITE_3'),
      workingDirectory: tempDir('create'),
    });
    expect(await engine.listApplications()).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /gitops.kubeconfig \/nonexistent\/engine-kubeconfig does not exist/,
      ),
    );
  });
});
