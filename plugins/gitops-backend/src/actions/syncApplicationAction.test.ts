import { mockCredentials } from '@backstage/backend-test-utils';
import { setUpActions } from '../__testUtils__/actionsTestSetup';
import { PROD } from '../__testUtils__/gitopsTestBackend';
import { registerSyncApplicationAction } from './syncApplicationAction';

describe('sync-application', () => {
  async function setUp() {
    const t = await setUpActions(registerSyncApplicationAction);
    const sync = async (input: object, user: string) => {
      const { output } = await t.actions.invoke({
        id: 'test:sync-application',
        input: input as any,
        credentials: mockCredentials.user(user),
      });
      return (output as { operation: any }).operation;
    };
    return { ...t, sync };
  }

  it('lets the owner sync, records who, and audits it', async () => {
    const t = await setUp();
    const operation = await t.sync(
      { entityRef: 'component:default/payments', target: 'prod', prune: true },
      'user:default/alice',
    );
    expect(operation).toMatchObject({
      phase: 'Running',
      initiatedBy: 'user:default/alice',
      prune: true,
      dryRun: false,
    });
    expect(t.engine.calls).toContain(`sync ${PROD} by user:default/alice`);
    expect(t.auditEvents).toEqual([
      {
        eventId: 'application-sync',
        outcome: 'success',
        meta: expect.objectContaining({
          via: 'action',
          initiatedBy: 'user:default/alice',
          entityRef: 'component:default/payments',
        }),
      },
    ]);
  });

  it('refuses callers without gitops.application.sync, leaves the app alone and audits the refusal', async () => {
    const t = await setUp();
    await expect(
      t.sync({ applicationId: PROD }, 'user:default/mallory'),
    ).rejects.toThrow(
      /gitops.application.sync on component:default\/payments is denied/,
    );
    expect(t.engine.calls.some(c => c.startsWith('sync'))).toBe(false);
    expect(t.auditEvents).toEqual([
      expect.objectContaining({
        eventId: 'application-sync',
        outcome: 'failure',
      }),
    ]);
  });

  it('answers not found for unknown applications, audited', async () => {
    const t = await setUp();
    await expect(
      t.sync({ entityRef: 'component:default/nope' }, 'user:default/alice'),
    ).rejects.toThrow(/is not onboarded to Mooring/);
    expect(t.auditEvents.map(e => e.outcome)).toEqual(['failure']);
  });

  it('passes on a 409 of the engine (a running sync, a closed sync window), audited', async () => {
    const t = await setUp();
    t.engine.running.add(PROD);
    await expect(
      t.sync({ applicationId: PROD }, 'user:default/alice'),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('already running'),
    });
    expect(t.auditEvents.map(e => e.outcome)).toEqual(['failure']);
  });

  it('reports a dry run as finished', async () => {
    const t = await setUp();
    const operation = await t.sync(
      { applicationId: PROD, dryRun: true },
      'user:default/alice',
    );
    expect(operation).toMatchObject({ dryRun: true, phase: 'Succeeded' });
  });
});
