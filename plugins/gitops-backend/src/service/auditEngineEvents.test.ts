import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { TestRepo } from '../__testUtils__/gitRepos';
import {
  clusterClient,
  createTestEngine,
  kubeSimSuite,
  spec,
  waitFor,
} from '../__testUtils__/engineHarness';
import { configMap } from '../__testUtils__/fixtures';
import { auditEngineEvents } from './auditEngineEvents';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

/** An auditor recording each event as it ends, with the meta of both ends. */
function recordingAuditor() {
  const events: Array<{
    eventId: string;
    severityLevel?: string;
    meta: Record<string, unknown>;
    outcome: 'success' | 'failure';
    error?: string;
  }> = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async options => ({
      success: async (params?: { meta?: Record<string, unknown> }) => {
        events.push({
          eventId: options.eventId,
          severityLevel: options.severityLevel,
          meta: { ...options.meta, ...params?.meta },
          outcome: 'success',
        });
      },
      fail: async (params: {
        meta?: Record<string, unknown>;
        error: Error;
      }) => {
        events.push({
          eventId: options.eventId,
          severityLevel: options.severityLevel,
          meta: { ...options.meta, ...params.meta },
          outcome: 'failure',
          error: params.error.message,
        });
      },
    }),
  });
  return { auditor, events };
}

describe('auditEngineEvents', () => {
  const suite = kubeSimSuite('audit');

  it('audits automatic syncs, self-heals and the deletion of a removed application', async () => {
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database: await databases.init('SQLITE_3'),
    });
    suite.cleanups.push(cleanup);
    const { auditor, events } = recordingAuditor();
    const stop = auditEngineEvents({
      engine,
      auditor,
      logger: mockServices.logger.mock(),
    });
    suite.cleanups.push(async () => stop());

    const repo = new TestRepo(suite.root, 'audited');
    const v1 = repo.commit(
      { 'app/settings.yaml': configMap('settings', { v: '1' }) },
      'v1',
    );
    const app = spec('audited', repo.fileUrl, 'app', {
      sync: 'auto',
      selfHeal: true,
      pruneOnRemove: true,
    });
    await engine.setApplications([app]);
    await engine.start();
    await engine.refreshRepo(repo.fileUrl, { initiatedBy: 'webhook' });
    await waitFor('the automatic sync to be audited', () => events.length);
    expect(events).toEqual([
      {
        eventId: 'application-auto-sync',
        severityLevel: 'medium',
        outcome: 'success',
        meta: expect.objectContaining({
          applicationId: 'audited',
          entityRef: 'component:default/audited',
          cluster: 'dev',
          initiatedBy: 'webhook',
          revision: v1,
          phase: 'Succeeded',
          changes: '1 created',
        }),
      },
    ]);

    const k8s = clusterClient(suite.sim);
    const live = await k8s.get('v1', 'ConfigMap', 'settings', 'audited');
    live.data.v = 'meddled';
    await k8s.replace(live);
    await waitFor('the self-heal to be audited', () => events.length === 2);
    expect(events[1]).toMatchObject({
      eventId: 'application-self-heal',
      outcome: 'success',
      meta: { initiatedBy: 'self-heal', changes: '1 configured' },
    });

    await engine.setApplications([]);
    await waitFor('the deletion to be audited', () => events.length === 3);
    expect(events[2]).toEqual({
      eventId: 'application-prune-on-remove',
      severityLevel: 'high',
      outcome: 'success',
      meta: expect.objectContaining({
        applicationId: 'audited',
        initiatedBy: 'auto',
        deleted: ['ConfigMap/audited/settings'],
      }),
    });
    expect(
      await k8s.get('v1', 'ConfigMap', 'settings', 'audited'),
    ).toBeUndefined();
  });

  it('audits a failed automatic sync as a failure, saying why', async () => {
    const { engine, cleanup } = await createTestEngine({
      sim: suite.sim,
      database: await databases.init('SQLITE_3'),
    });
    suite.cleanups.push(cleanup);
    const { auditor, events } = recordingAuditor();
    const stop = auditEngineEvents({
      engine,
      auditor,
      logger: mockServices.logger.mock(),
    });
    suite.cleanups.push(async () => stop());
    const repo = new TestRepo(suite.root, 'refused');
    // Another namespace than its own: the default grant refuses it.
    repo.commit(
      {
        'app/settings.yaml': configMap(
          'settings',
          { v: '1' },
          '\n  namespace: kube-system',
        ),
      },
      'v1',
    );
    await engine.setApplications([
      spec('refused', repo.fileUrl, 'app', { sync: 'auto' }),
    ]);
    await engine.refresh('refused');
    await waitFor('the failed sync to be audited', () => events.length);
    expect(events[0]).toMatchObject({
      eventId: 'application-auto-sync',
      outcome: 'failure',
      meta: { initiatedBy: 'auto', phase: 'Failed' },
      error: expect.stringContaining('kube-system'),
    });
  });
});
