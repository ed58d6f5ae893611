import { mockCredentials } from '@backstage/backend-test-utils';
import type { SyncRun } from '@mooring/plugin-gitops-common';
import { setUpActions } from '../__testUtils__/actionsTestSetup';
import { PROD } from '../__testUtils__/gitopsTestBackend';
import { registerListApplicationHistoryAction } from './listApplicationHistoryAction';

describe('list-application-history', () => {
  async function setUp() {
    const t = await setUpActions(registerListApplicationHistoryAction);
    for (const revision of ['v1', 'v2', 'v3']) {
      await t.engine.sync(PROD, {
        revision,
        initiatedBy: 'user:default/alice',
      });
    }
    const list = async (input: object, user = 'user:default/mallory') => {
      const { output } = await t.actions.invoke({
        id: 'test:list-application-history',
        input: input as any,
        credentials: mockCredentials.user(user),
      });
      return (output as { runs: SyncRun[] }).runs;
    };
    return list;
  }

  it('lists the runs newest first, for any reader', async () => {
    const list = await setUp();
    const runs = await list({ entityRef: 'payments', target: 'prod' });
    expect(runs.map(r => r.revision)).toEqual(['v3', 'v2', 'v1']);
    expect(runs[0]).toMatchObject({
      initiatedBy: 'user:default/alice',
      commit: { sha: 'abc123' },
    });
    expect(await list({ applicationId: PROD, limit: 1 })).toHaveLength(1);
  });

  it('refuses callers who may not read the entity', async () => {
    const list = await setUp();
    await expect(
      list({ applicationId: PROD }, 'user:default/eve'),
    ).rejects.toThrow(/gitops.application.read .* is denied/);
  });

  it('answers not found for unknown applications', async () => {
    const list = await setUp();
    await expect(
      list({ applicationId: 'component~default~nope~prod' }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
