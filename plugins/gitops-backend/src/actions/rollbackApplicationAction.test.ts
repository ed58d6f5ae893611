import { mockCredentials } from '@backstage/backend-test-utils';
import type { SyncRun } from '@mooring/plugin-gitops-common';
import { setUpActions } from '../__testUtils__/actionsTestSetup';
import { PROD } from '../__testUtils__/gitopsTestBackend';
import {
  previousSuccessfulRun,
  registerRollbackApplicationAction,
} from './rollbackApplicationAction';

/** A finished run of the history, as the engine records it. */
function run(id: string, sha: string, overrides: Partial<SyncRun> = {}) {
  return {
    id,
    revision: sha,
    commit: { sha, author: 'Ada', message: `commit ${sha}`, date: '' },
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:01:00Z',
    phase: 'Succeeded',
    initiatedBy: 'user:default/alice',
    message: '',
    changes: [],
    ...overrides,
  } as SyncRun;
}

describe('rollback-application', () => {
  async function setUp() {
    const t = await setUpActions(registerRollbackApplicationAction);
    // Oldest first: v1 deployed, v2 failed, a dry run of v3, v3 deployed
    // twice (the second a re-sync of the same commit).
    t.engine.runs.set(PROD, [
      run('run-a', 'sha-v1'),
      run('run-b', 'sha-v2', { phase: 'Failed' }),
      run('run-c', 'sha-v3', { dryRun: true }),
      run('run-d', 'sha-v3'),
      run('run-e', 'sha-v3'),
    ]);
    const rollback = async (input: object, user: string) => {
      const { output } = await t.actions.invoke({
        id: 'test:rollback-application',
        input: input as any,
        credentials: mockCredentials.user(user),
      });
      return output as { operation: any; rolledBackTo: string };
    };
    return { ...t, rollback };
  }

  it('rolls back to the previous successful run with another commit when no run is named, audited', async () => {
    const t = await setUp();
    const result = await t.rollback(
      { entityRef: 'payments', target: 'prod' },
      'user:default/alice',
    );
    // Neither the failed run nor the dry run nor a re-sync of the commit
    // running now: the run that deployed v1.
    expect(result.rolledBackTo).toBe('run-a');
    expect(result.operation).toMatchObject({
      phase: 'Running',
      revision: 'sha-v1',
      initiatedBy: 'user:default/alice',
      dryRun: false,
    });
    expect(t.engine.calls).toContain(`sync ${PROD} by user:default/alice`);
    expect(t.auditEvents).toEqual([
      {
        eventId: 'application-rollback',
        outcome: 'success',
        meta: expect.objectContaining({
          via: 'action',
          runId: null,
          initiatedBy: 'user:default/alice',
          entityRef: 'payments',
        }),
      },
    ]);
  });

  it('rolls back to the run named', async () => {
    const t = await setUp();
    const result = await t.rollback(
      { applicationId: PROD, runId: 'run-d' },
      'user:default/alice',
    );
    expect(result.rolledBackTo).toBe('run-d');
    expect(result.operation.revision).toBe('sha-v3');
  });

  it('says so when there is nothing earlier to roll back to, and starts nothing', async () => {
    const t = await setUp();
    t.engine.runs.set(PROD, [run('run-a', 'sha-v1'), run('run-b', 'sha-v1')]);
    await expect(
      t.rollback({ applicationId: PROD }, 'user:default/alice'),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('no earlier successful run'),
    });
    expect(t.engine.calls.some(c => c.startsWith('sync'))).toBe(false);
    expect(t.auditEvents.map(e => e.outcome)).toEqual(['failure']);
  });

  it('refuses callers without gitops.application.sync, starts nothing and audits the refusal', async () => {
    const t = await setUp();
    await expect(
      t.rollback({ applicationId: PROD }, 'user:default/mallory'),
    ).rejects.toThrow(
      /gitops.application.sync on component:default\/payments is denied/,
    );
    expect(t.engine.calls.some(c => c.startsWith('sync'))).toBe(false);
    expect(t.auditEvents).toEqual([
      expect.objectContaining({
        eventId: 'application-rollback',
        outcome: 'failure',
      }),
    ]);
  });

  it('answers not found for unknown applications and runs, audited', async () => {
    const t = await setUp();
    await expect(
      t.rollback({ entityRef: 'component:default/nope' }, 'user:default/alice'),
    ).rejects.toThrow(/is not onboarded to Mooring/);
    await expect(
      t.rollback({ applicationId: PROD, runId: 'run-z' }, 'user:default/alice'),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(t.auditEvents.map(e => e.outcome)).toEqual(['failure', 'failure']);
  });
});

describe('previousSuccessfulRun', () => {
  // Newest first, as the engine answers: v1 was rolled back to after v3.
  const history = [
    run('run-c', 'sha-v1'),
    run('run-b', 'sha-v3'),
    run('run-a', 'sha-v1'),
  ];
  const engine = { getHistory: async () => history };
  const app = (syncedRevision?: string) =>
    ({
      id: PROD,
      status: {
        sync: 'Synced',
        health: 'Healthy',
        message: '',
        syncedRevision,
      },
    } as any);

  it('skips the commit the application runs now, as its status says', async () => {
    expect((await previousSuccessfulRun(engine, app('sha-v1'))).id).toBe(
      'run-b',
    );
    expect((await previousSuccessfulRun(engine, app('sha-v3'))).id).toBe(
      'run-c',
    );
  });

  it('takes the newest applied commit as the current one when the status names none', async () => {
    expect((await previousSuccessfulRun(engine, app())).id).toBe('run-b');
  });
});
