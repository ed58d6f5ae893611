import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { mockServices } from '@backstage/backend-test-utils';
import { setUpActions } from '../__testUtils__/actionsTestSetup';
import {
  clusterClient,
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap, secret } from '../__testUtils__/fixtures';
import { TestRepo } from '../__testUtils__/gitRepos';
import { policyPermissions, PROD } from '../__testUtils__/gitopsTestBackend';
import { ApplicationAccess } from '../service/ApplicationAccess';
import { registerGetApplicationDiffAction } from './getApplicationDiffAction';

jest.setTimeout(180_000);

interface DiffOutput {
  applicationId: string;
  sync: string;
  items: Array<{ kind: string; name: string; diff: string }>;
}

async function invokeDiff(
  actions: ReturnType<typeof actionsRegistryServiceMock>,
  input: object,
  user = 'user:default/mallory',
) {
  const { output } = await actions.invoke({
    id: 'test:get-application-diff',
    input: input as any,
    credentials: mockCredentials.user(user),
  });
  return output as unknown as DiffOutput;
}

describe('get-application-diff', () => {
  it('returns the diff of each object that differs, for any reader', async () => {
    const { actions } = await setUpActions(registerGetApplicationDiffAction);
    const output = await invokeDiff(actions, {
      entityRef: 'payments',
      target: 'prod',
    });
    expect(output).toMatchObject({ applicationId: PROD, sync: 'Synced' });
    expect(output.items).toEqual([
      expect.objectContaining({
        kind: 'Deployment',
        name: 'web',
        diff: expect.stringContaining('+  replicas: 2'),
      }),
    ]);
  });

  it('refuses callers who may not read the entity', async () => {
    const { actions } = await setUpActions(registerGetApplicationDiffAction);
    await expect(
      invokeDiff(actions, { applicationId: PROD }, 'user:default/eve'),
    ).rejects.toThrow(
      /gitops.application.read on component:default\/payments is denied/,
    );
    // Nor may those the catalog hides the entity from.
    await expect(
      invokeDiff(actions, { entityRef: 'web' }, 'user:default/trent'),
    ).rejects.toThrow(/catalog.entity.read on component:default\/web/);
  });

  it('answers not found for unknown applications', async () => {
    const { actions } = await setUpActions(registerGetApplicationDiffAction);
    await expect(
      invokeDiff(actions, { applicationId: 'component~default~nope~prod' }),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describe('get-application-diff against kube-sim', () => {
  const suite = kubeSimSuite('action-diff');
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('masks Secret values of a drifted Secret', async () => {
    const repo = new TestRepo(suite.root, 'shop');
    repo.commit(
      {
        'app/settings.yaml': configMap('settings', { mode: 'fast' }),
        'app/db.yaml': secret('db', { password: 'hunter2' }),
      },
      'Initial',
    );
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database: await databases.init('SQLITE_3'),
    });
    suite.cleanups.push(cleanup);
    await engine.setApplications([
      spec('shop', repo.fileUrl, 'app', { sync: 'auto' }),
    ]);
    await engine.start();
    await engine.refresh('shop');
    await waitFor(
      'the auto sync',
      async () =>
        (await engine.getApplication('shop')).status.sync === 'Synced',
    );
    // Someone changes the password in the cluster by hand.
    await clusterClient(suite.sim).patch({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop' },
      data: { password: Buffer.from('letmein').toString('base64') },
    } as any);
    await waitFor(
      'the drift to show',
      async () =>
        (await engine.getApplication('shop')).status.sync === 'OutOfSync',
    );

    const actions = actionsRegistryServiceMock();
    registerGetApplicationDiffAction({
      actionsRegistry: actions,
      engine,
      access: new ApplicationAccess(
        policyPermissions(() => []).permissions,
        mockServices.auth(),
      ),
    });
    const output = await invokeDiff(actions, { applicationId: 'shop' });
    expect(output.sync).toBe('OutOfSync');
    expect(output.items.map(i => `${i.kind}/${i.name}`)).toEqual(['Secret/db']);
    expect(output.items[0].diff).toContain('password: ++++');
    expect(JSON.stringify(output)).not.toMatch(
      /letmein|hunter2|bGV0bWVpbg|aHVudGVyMg/,
    );
  });
});
