import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import type { Application, SyncRun } from '@mooring/plugin-gitops-common';
import type { EngineEvent } from '../engine/types';
import { CommitStatusReporter } from './CommitStatusReporter';
import { readCommitStatusSettings } from './commitStatusConfig';
import { startTestGitHost } from './__testUtils__/testGitHost';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);

/*
 * Another replica may sync the application while this one waits for the
 * commit it deployed to become Healthy: this replica sees no syncStarted,
 * only the status (read from the store) naming the other commit. The
 * Healthy it then sees is the other commit's, not the one it deployed.
 */
describe('commit statuses when the application moves on without this replica', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'commit-status-peer-'));
  let host: Awaited<ReturnType<typeof startTestGitHost>>;

  beforeAll(async () => {
    host = await startTestGitHost({
      provider: 'github',
      root,
      token: 'tok-1234',
    });
  });
  afterAll(async () => {
    await host.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  function application(status: Partial<Application['status']>): Application {
    return {
      id: 'shop',
      entityRef: 'component:default/shop',
      target: 'default',
      source: {
        repoUrl: host.repoUrl('acme/shop.git'),
        path: 'deploy',
        revision: 'main',
      },
      destination: { cluster: 'dev', namespace: 'shop' },
      policy: { sync: 'auto', prune: false, selfHeal: false },
      status: {
        sync: 'Synced',
        health: 'Progressing',
        reconciledAt: new Date().toISOString(),
        ...status,
      },
    } as Application;
  }

  function run(phase: SyncRun['phase']): SyncRun {
    return {
      id: 'run-1',
      revision: 'main',
      commit: { sha: SHA_A, author: 'ada', message: 'A', date: '' },
      startedAt: new Date().toISOString(),
      phase,
      initiatedBy: 'auto',
      message: '',
      changes: [],
    } as SyncRun;
  }

  it('never reports the older commit Healthy once the application runs another one', async () => {
    const config = new ConfigReader({
      integrations: host.integrationsConfig,
      gitops: { commitStatus: { enabled: true } },
    });
    const reporter = new CommitStatusReporter({
      settings: readCommitStatusSettings(config),
      integrations: ScmIntegrations.fromConfig(config),
      logger: mockServices.logger.mock(),
      sender: { retryDelayMs: 10 },
    });
    let emit: (event: EngineEvent) => void = () => {};
    reporter.start({
      subscribe: listener => {
        emit = listener;
        return () => {};
      },
    });
    emit({
      type: 'syncStarted',
      application: application({ syncedRevision: undefined }),
      run: run('Running'),
      options: { initiatedBy: 'auto' },
    } as EngineEvent);
    emit({
      type: 'syncFinished',
      application: application({ syncedRevision: SHA_A }),
      run: run('Succeeded'),
    } as EngineEvent);
    // Another replica synced B; this one reads it from the store.
    emit({
      type: 'status',
      application: application({ syncedRevision: SHA_B }),
    });
    emit({
      type: 'status',
      application: application({ syncedRevision: SHA_B, health: 'Healthy' }),
    });
    await reporter.idle();
    reporter.stop();
    // Statuses of one commit not posted yet are replaced by newer ones, so
    // the last one is what the commit shows.
    const calls = host.calls.filter(c => c.sha === SHA_A);
    expect(calls.map(c => c.body.state)).not.toContain('success');
    expect(calls[calls.length - 1]?.body).toMatchObject({
      state: 'error',
      description: expect.stringMatching(/^Superseded on dev by bbbbbbbbbbbb/),
    });
  });
});
