import { mockCredentials } from '@backstage/backend-test-utils';
import type { Application } from '@mooring/plugin-gitops-common';
import { setUpActions } from '../__testUtils__/actionsTestSetup';
import { PROD } from '../__testUtils__/gitopsTestBackend';
import { registerGetApplicationStatusAction } from './getApplicationStatusAction';

describe('get-application-status', () => {
  const invoke = async (input: object, user = 'user:default/mallory') => {
    const { actions } = await setUpActions(registerGetApplicationStatusAction);
    const { output } = await actions.invoke({
      id: 'test:get-application-status',
      input: input as any,
      credentials: mockCredentials.user(user),
    });
    return (output as { applications: Application[] }).applications;
  };

  it('gets the status of every target of an entity, for any reader', async () => {
    const apps = await invoke({ entityRef: 'component:default/payments' });
    expect(apps.map(a => a.target).sort()).toEqual(['prod', 'staging']);
    expect(apps.find(a => a.target === 'prod')).toMatchObject({
      id: PROD,
      entityRef: 'component:default/payments',
      destination: { cluster: 'prod', namespace: 'default' },
      status: { sync: 'Synced', health: 'Healthy' },
    });
  });

  it('takes short entity refs, an id, or an entity ref and target', async () => {
    expect((await invoke({ entityRef: 'web' })).map(a => a.id)).toEqual([
      'component~default~web~default',
    ]);
    expect((await invoke({ applicationId: PROD })).map(a => a.id)).toEqual([
      PROD,
    ]);
    expect(
      (await invoke({ entityRef: 'payments', target: 'prod' })).map(a => a.id),
    ).toEqual([PROD]);
  });

  it('refuses callers who may not read the entity', async () => {
    await expect(
      invoke({ entityRef: 'component:default/payments' }, 'user:default/eve'),
    ).rejects.toThrow(
      /gitops.application.read on component:default\/payments is denied/,
    );
  });

  it('says which targets exist, or that the entity is not onboarded', async () => {
    await expect(
      invoke({ entityRef: 'component:default/payments', target: 'qa' }),
    ).rejects.toThrow(/has no target 'qa'; its targets: prod, staging/);
    await expect(
      invoke({ entityRef: 'component:default/nope' }),
    ).rejects.toThrow(/component:default\/nope is not onboarded to Mooring/);
    await expect(invoke({ entityRef: 'component:' })).rejects.toThrow(
      /is not an entity ref/,
    );
    await expect(invoke({})).rejects.toThrow(
      /Give applicationId, or entityRef/,
    );
  });
});
