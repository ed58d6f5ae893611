import type { Application } from '@mooring/plugin-gitops-common';
import { applicationStatus, statusEvents } from './applicationStatus';

const application = { id: 'shop' } as Application;

describe('applicationStatus', () => {
  it('waits for the first reconcile before anything is known', () => {
    expect(applicationStatus({})).toEqual({
      sync: 'Unknown',
      health: 'Unknown',
      message: 'Waiting for the first reconcile',
    });
  });

  it('takes sync, health and message from the comparison', () => {
    const status = applicationStatus({
      targetRevision: 'b',
      syncedRevision: 'a',
      comparison: {
        synced: false,
        health: 'Progressing',
        message: '1 of 3 resources out of sync',
      },
    });
    expect(status).toMatchObject({
      sync: 'OutOfSync',
      health: 'Progressing',
      message: '1 of 3 resources out of sync',
      targetRevision: 'b',
      syncedRevision: 'a',
    });
  });

  it('says Unknown with the problem, keeping health unless the cluster could not be read', () => {
    const comparison = {
      synced: true,
      health: 'Healthy' as const,
      message: '',
    };
    expect(
      applicationStatus({ comparison, problem: { message: 'Git: gone' } }),
    ).toMatchObject({
      sync: 'Unknown',
      health: 'Healthy',
      message: 'Git: gone',
    });
    expect(
      applicationStatus({
        comparison,
        problem: { message: 'Cluster dev: refused', healthUnknown: true },
      }),
    ).toMatchObject({ sync: 'Unknown', health: 'Unknown' });
  });

  it('keeps the last sync and health while the cluster is retried, and says so', () => {
    const retrying = {
      message:
        'Retrying the watch of Secret on cluster bars (attempt 3, next in 2 s): Internal Server Error',
      since: 0,
    };
    expect(
      applicationStatus({
        comparison: { synced: true, health: 'Healthy', message: '' },
        retrying,
      }),
    ).toEqual({ sync: 'Synced', health: 'Healthy', message: retrying.message });
    // Never compared yet: nothing to keep, but the message says why.
    expect(applicationStatus({ retrying })).toEqual({
      sync: 'Unknown',
      health: 'Unknown',
      message: retrying.message,
    });
  });
});

describe('statusEvents', () => {
  const synced = applicationStatus({
    targetRevision: 'a',
    syncedRevision: 'a',
    comparison: { synced: true, health: 'Healthy', message: '' },
  });
  const drifted = applicationStatus({
    targetRevision: 'a',
    syncedRevision: 'a',
    comparison: { synced: false, health: 'Healthy', message: '1 of 1' },
  });

  it('tells nothing when nothing visible changed', () => {
    expect(statusEvents(synced, { ...synced }, application)).toEqual([]);
  });

  it('tells drift appearing and going away at the synced commit', () => {
    expect(statusEvents(synced, drifted, application).map(e => e.type)).toEqual(
      ['status', 'driftDetected'],
    );
    expect(statusEvents(drifted, synced, application).map(e => e.type)).toEqual(
      ['status', 'driftResolved'],
    );
  });

  it('does not call a new commit drift', () => {
    const newCommit = { ...drifted, targetRevision: 'b' };
    expect(
      statusEvents(synced, newCommit, application).map(e => e.type),
    ).toEqual(['status']);
  });

  it('tells a running sync’s progress, not a repeat of the same', () => {
    const facts = {
      targetRevision: 'a',
      syncedRevision: 'a',
      comparison: { synced: true, health: 'Healthy' as const, message: '' },
    };
    const operation = {
      id: 'r1',
      runId: 'r1',
      phase: 'Running',
      revision: 'a',
      initiatedBy: 'auto',
      startedAt: '',
      message: 'Sync started',
      dryRun: false,
      prune: false,
      progress: { done: 1, total: 3 },
      changes: [],
    } as any;
    const running = applicationStatus({ ...facts, operation });
    const further = applicationStatus({
      ...facts,
      operation: { ...operation, progress: { done: 2, total: 3 } },
    });
    const waiting = applicationStatus({
      ...facts,
      operation: { ...operation, waitingFor: 'Deployment web to be Healthy' },
    });
    expect(statusEvents(running, further, application)).toHaveLength(1);
    expect(statusEvents(running, waiting, application)).toHaveLength(1);
    expect(
      statusEvents(
        running,
        applicationStatus({ ...facts, operation }),
        application,
      ),
    ).toEqual([]);
  });
});
