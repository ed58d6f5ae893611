import type { SyncRun } from '@mooring/plugin-gitops-common';
import {
  payments,
  startGitopsTestBackend,
  web,
  WEB,
} from '../__testUtils__/gitopsTestBackend';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

describe('notifications', () => {
  it('notifies the owners once per failure episode and once per drift episode', async () => {
    const t = await startGitopsTestBackend([payments, web]);
    try {
      const app = await t.engine.getApplication(WEB);
      const run = (await t.engine.sync(WEB, {
        initiatedBy: 'auto',
      })) as SyncRun;
      const failedRun: SyncRun = {
        ...run,
        phase: 'Failed',
        message: 'Deployment default/web: image pull failed',
        changes: [
          {
            kind: 'Deployment',
            namespace: 'default',
            name: 'web',
            action: 'failed',
            message: 'admission denied',
          },
        ],
      };
      t.engine.emit({ type: 'syncFailed', application: app, run: failedRun });
      t.engine.emit({ type: 'syncFailed', application: app, run: failedRun });
      await waitFor(
        'notification 1',
        () => t.notifications.send.mock.calls.length >= 1,
      );
      await new Promise(r => setTimeout(r, 200));
      expect(t.notifications.send).toHaveBeenCalledTimes(1);
      expect(t.notifications.send).toHaveBeenCalledWith({
        recipients: { type: 'entity', entityRef: ['group:default/team-web'] },
        payload: expect.objectContaining({
          title: 'Sync of component:default/web to dev failed',
          description: expect.stringContaining(
            'Deployment default/web: admission denied',
          ),
          link: '/catalog/default/component/web',
          topic: 'gitops',
          scope: `gitops:${WEB}:sync-failed`,
        }),
      });

      // Recovery ends the episode; the next failure notifies again.
      t.engine.emit({
        type: 'status',
        application: {
          ...app,
          status: {
            ...app.status,
            operation: {
              ...(failedRun as any),
              runId: run.id,
              phase: 'Succeeded',
              dryRun: false,
              prune: false,
            },
          },
        },
      });
      t.engine.emit({ type: 'syncFailed', application: app, run: failedRun });
      await waitFor(
        'notification 2',
        () => t.notifications.send.mock.calls.length >= 2,
      );

      t.engine.emit({ type: 'driftDetected', application: app });
      t.engine.emit({ type: 'driftDetected', application: app });
      await waitFor(
        'notification 3',
        () => t.notifications.send.mock.calls.length >= 3,
      );
      t.engine.emit({ type: 'driftResolved', application: app });
      t.engine.emit({ type: 'driftDetected', application: app });
      await waitFor(
        'notification 4',
        () => t.notifications.send.mock.calls.length >= 4,
      );
      await new Promise(r => setTimeout(r, 200));
      expect(t.notifications.send).toHaveBeenCalledTimes(4);
      expect(
        (t.notifications.send.mock.calls[2] as any[])[0].payload.title,
      ).toBe('component:default/web drifted from Git on dev');
    } finally {
      await t.backend.stop();
    }
  });
});
