import { TestDatabases } from '@backstage/backend-test-utils';
import type { SyncRun } from '@mooring/plugin-gitops-common';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap } from '../__testUtils__/fixtures';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

const SECRET_VALUE = 'hunter2-do-not-show';

/**
 * The API server's refusal of a mistyped Secret quotes the value it could
 * not use, as structured-merge-diff does; that value is the secret itself,
 * and must not reach the run, the status or anyone who reads them.
 */
describe('a Secret the cluster refuses as written', () => {
  const suite = kubeSimSuite('secret-refusal');

  it('fails the sync naming the Secret and the field, never its value', async () => {
    const repo = new TestRepo(suite.root, 'secret-typo');
    repo.commit(
      {
        'deploy/settings.yaml': configMap('settings', { mode: 'fast' }),
        'deploy/credentials.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: credentials
type: Opaque
data: ${SECRET_VALUE}
`,
      },
      'A Secret whose data is not a map',
    );
    const database = await databases.init('SQLITE_3');
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database,
    });
    suite.cleanups.push(cleanup);
    await engine.setApplications([spec('secret-typo', repo.fileUrl, 'deploy')]);
    await engine.start();
    const started = await engine.sync('secret-typo', {
      initiatedBy: 'user:default/ada',
    });
    const run = await waitFor<SyncRun>('the sync to finish', async () => {
      const found = (await engine.getHistory('secret-typo')).find(
        r => r.id === started.id,
      );
      return found && found.phase !== 'Running' && found;
    });
    expect(run.phase).toBe('Failed');
    const refused = run.changes.find(c => c.kind === 'Secret');
    expect(refused).toMatchObject({ name: 'credentials', action: 'failed' });
    expect(refused!.message).toMatch(/deploy\/credentials\.yaml/);
    expect(refused!.message).toMatch(/\.data/);
    const application = await engine.getApplication('secret-typo');
    expect(
      JSON.stringify({ run, history: await engine.getHistory('secret-typo') }),
    ).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(application)).not.toContain(SECRET_VALUE);
  });
});
