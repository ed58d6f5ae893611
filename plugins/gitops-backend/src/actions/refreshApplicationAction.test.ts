import { mockCredentials } from '@backstage/backend-test-utils';
import type { Application } from '@mooring/plugin-gitops-common';
import { setUpActions } from '../__testUtils__/actionsTestSetup';
import { PROD } from '../__testUtils__/gitopsTestBackend';
import { registerRefreshApplicationAction } from './refreshApplicationAction';

describe('refresh-application', () => {
  async function setUp() {
    const t = await setUpActions(registerRefreshApplicationAction);
    const refresh = async (input: object, user: string) => {
      const { output } = await t.actions.invoke({
        id: 'test:refresh-application',
        input: input as any,
        credentials: mockCredentials.user(user),
      });
      return (output as { application: Application }).application;
    };
    return { ...t, refresh };
  }

  it('lets the owner refresh, returns the application and audits it', async () => {
    const t = await setUp();
    const application = await t.refresh(
      { entityRef: 'component:default/payments', target: 'prod' },
      'user:default/alice',
    );
    expect(application).toMatchObject({
      id: PROD,
      status: { sync: 'Synced', health: 'Healthy' },
    });
    expect(t.engine.calls).toContain(`refresh ${PROD}`);
    expect(t.auditEvents).toEqual([
      {
        eventId: 'application-refresh',
        outcome: 'success',
        meta: expect.objectContaining({
          via: 'action',
          initiatedBy: 'user:default/alice',
          target: 'prod',
        }),
      },
    ]);
  });

  it('takes gitops.application.sync as the REST refresh does: readers are refused, audited', async () => {
    const t = await setUp();
    await expect(
      t.refresh({ applicationId: PROD }, 'user:default/mallory'),
    ).rejects.toThrow(
      /gitops.application.sync on component:default\/payments is denied/,
    );
    expect(t.engine.calls.some(c => c.startsWith('refresh'))).toBe(false);
    expect(t.auditEvents).toEqual([
      expect.objectContaining({
        eventId: 'application-refresh',
        outcome: 'failure',
      }),
    ]);
  });

  it('answers not found for unknown applications, audited', async () => {
    const t = await setUp();
    await expect(
      t.refresh(
        { entityRef: 'component:default/payments', target: 'qa' },
        'user:default/alice',
      ),
    ).rejects.toThrow(/has no target 'qa'; its targets: prod, staging/);
    expect(t.auditEvents.map(e => e.outcome)).toEqual(['failure']);
  });
});
