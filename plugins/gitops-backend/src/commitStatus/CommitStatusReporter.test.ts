import fs from 'node:fs';
import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import type { JsonObject } from '@backstage/types';
import type { SyncRun } from '@mooring/plugin-gitops-common';
import { createGitopsEngine } from '../engine/createGitopsEngine';
import type { ApplicationSpec, GitopsEngine } from '../engine/types';
import { kubeSimSuite, spec, waitFor } from '../__testUtils__/engineHarness';
import { deployment, configMap } from '../__testUtils__/fixtures';
import { TestRepo, tempDir } from '../__testUtils__/gitRepos';
import { CommitStatusReporter } from './CommitStatusReporter';
import { readCommitStatusSettings } from './commitStatusConfig';
import type { Provider } from './statusEndpoint';
import { startTestGitHost } from './__testUtils__/testGitHost';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const APP_BASE_URL = 'http://backstage.example.com';

/** Every line a logger was given, at any level, with its metadata. */
function recordingLogger(): { logger: LoggerService; lines: string[] } {
  const lines: string[] = [];
  const make = (fields: object = {}): LoggerService => {
    const at = (level: string) => (message: string, meta?: Error | object) => {
      lines.push(
        `${level} ${message} ${JSON.stringify({ ...fields, ...meta })}`,
      );
    };
    return {
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
      child: meta => make({ ...fields, ...meta }),
    };
  };
  return { logger: make(), lines };
}

/** A paused Deployment stays Suspended: never Healthy, never Degraded. */
function pausedDeployment(name: string) {
  return deployment(name, 'nginx:1.27').replace(
    /^spec:\n/m,
    'spec:\n  paused: true\n',
  );
}

describe.each<[Provider, { username?: string }]>([
  ['github', {}],
  ['gitlab', {}],
  ['gitea', { username: 'mooring-bot' }],
])('commit statuses on %s', (provider, hostOptions) => {
  const suite = kubeSimSuite(`commit-status-${provider}`);
  const token = `${provider}-secret-token-3f9a1c`;
  const served = path.join(suite.root, 'served');
  let host: Awaited<ReturnType<typeof startTestGitHost>>;

  beforeAll(async () => {
    fs.mkdirSync(path.join(served, 'acme'), { recursive: true });
    host = await startTestGitHost({
      provider,
      root: served,
      token,
      ...hostOptions,
    });
  });
  afterAll(async () => {
    await host.stop();
  });

  /** A repository served by the host as `acme/<name>.git`. */
  function hostedRepo(name: string) {
    const repo = new TestRepo(path.join(suite.root, 'work'), name);
    const bare = path.join(served, 'acme', `${name}.git`);
    return {
      url: host.repoUrl(`acme/${name}.git`),
      commit(files: Record<string, string | null>, message: string) {
        const sha = repo.commit(files, message);
        if (fs.existsSync(bare)) repo.git('push', '--quiet', bare, 'main');
        else repo.git('clone', '--quiet', '--bare', repo.dir, bare);
        return sha;
      },
    };
  }

  /** An engine fetching from the host, and a reporter listening to it. */
  async function start(
    commitStatus: JsonObject | undefined,
    specs: ApplicationSpec[],
  ) {
    const config = new ConfigReader({
      app: { baseUrl: APP_BASE_URL },
      integrations: host.integrationsConfig,
      gitops: {
        clusters: [
          {
            name: 'dev',
            url: suite.sim.url,
            serviceAccountToken: suite.sim.adminToken,
            caData: suite.sim.caData,
          },
        ],
        allowedRepos: [`${host.baseUrl}/**`],
        ...(commitStatus ? { commitStatus } : {}),
      },
    });
    const integrations = ScmIntegrations.fromConfig(config);
    const workingDirectory = tempDir('commit-status-work');
    const engine = await createGitopsEngine({
      config,
      logger: mockServices.logger.mock(),
      database: await databases.init('SQLITE_3'),
      workingDirectory,
      urlReaderIntegrations: integrations,
    });
    const { logger, lines } = recordingLogger();
    const reporter = new CommitStatusReporter({
      settings: readCommitStatusSettings(config),
      integrations,
      logger,
      sender: { retryDelayMs: 10 },
    });
    reporter.start(engine);
    await engine.setApplications(specs);
    await engine.start();
    suite.cleanups.push(async () => {
      reporter.stop();
      await engine.stop();
      fs.rmSync(workingDirectory, { recursive: true, force: true });
    });
    return { engine, reporter, lines };
  }

  async function syncAndWait(
    engine: GitopsEngine,
    id: string,
    options: { dryRun?: boolean } = {},
  ): Promise<SyncRun> {
    const started = await engine.sync(id, {
      initiatedBy: 'user:default/ada',
      ...options,
    });
    if (options.dryRun) return started;
    return waitFor(`the sync of ${id} to finish`, async () => {
      const found = (await engine.getHistory(id)).find(
        r => r.id === started.id,
      );
      return found && found.phase !== 'Running' && found;
    });
  }

  /** The statuses posted for `sha`, once `count` have been. */
  async function statusesOf(sha: string, count: number) {
    return waitFor(`${count} statuses of ${sha}`, () => {
      const calls = host.calls.filter(c => c.sha === sha);
      return calls.length >= count && calls;
    });
  }

  const pending = provider === 'gitlab' ? 'running' : 'pending';
  const failure = provider === 'gitlab' ? 'failed' : 'failure';
  const superseded = provider === 'gitlab' ? 'canceled' : 'error';
  const contextKey = provider === 'gitlab' ? 'name' : 'context';

  it('is pending while deploying and success once the application is Healthy', async () => {
    const repo = hostedRepo('web');
    const sha = repo.commit(
      { 'deploy/web.yaml': deployment('web', 'nginx:1.27') },
      'Web server',
    );
    const { engine } = await start({ enabled: true }, [
      spec('web', repo.url, 'deploy'),
    ]);
    expect((await syncAndWait(engine, 'web')).phase).toBe('Succeeded');

    const calls = await statusesOf(sha, 2);
    expect(calls.map(c => c.answered)).toEqual([201, 201]);
    expect(calls.map(c => c.body.state)).toEqual([pending, 'success']);
    expect(calls[0].repo).toBe('acme/web');
    expect(calls[0].body).toEqual({
      state: pending,
      [contextKey]: 'mooring/web/default',
      description: 'Deploying to dev/web',
      target_url: `${APP_BASE_URL}/catalog/default/component/web/deployments`,
    });
    expect(calls[1].body).toMatchObject({
      [contextKey]: 'mooring/web/default',
      description: 'Synced and Healthy on dev',
    });
    expect((await engine.getApplication('web')).status.health).toBe('Healthy');
  });

  it('is failure with the run’s message when the sync fails', async () => {
    const repo = hostedRepo('refused');
    const sha = repo.commit(
      {
        'deploy/cm.yaml': configMap('settings', { a: '1' }).replace(
          'name: settings',
          'name: settings\n  namespace: someone-else',
        ),
      },
      'A ConfigMap in a namespace the application was not granted',
    );
    const { engine } = await start({ enabled: true }, [
      spec('refused', repo.url, 'deploy'),
    ]);
    const run = await syncAndWait(engine, 'refused');
    expect(run.phase).toBe('Failed');

    const calls = await statusesOf(sha, 2);
    expect(calls.map(c => [c.body.state, c.answered])).toEqual([
      [pending, 201],
      [failure, 201],
    ]);
    const description = String(calls[1].body.description);
    expect(description).toMatch(/^Sync to dev failed: /);
    expect(description).toContain('someone-else');
    // GitHub takes 140 characters at most (the host refuses more).
    expect(description.length).toBeLessThanOrEqual(
      provider === 'github' ? 140 : 255,
    );
  });

  it('is failure when the application turns Degraded after the sync succeeded', async () => {
    const repo = hostedRepo('broken');
    const sha = repo.commit(
      { 'deploy/api.yaml': deployment('api', 'api:fail') },
      'An image that never pulls',
    );
    const { engine } = await start({ enabled: true }, [
      spec('broken', repo.url, 'deploy'),
    ]);
    expect((await syncAndWait(engine, 'broken')).phase).toBe('Succeeded');

    const calls = await statusesOf(sha, 2);
    expect(calls.map(c => [c.body.state, c.answered])).toEqual([
      [pending, 201],
      [failure, 201],
    ]);
    expect(String(calls[1].body.description)).toMatch(/^Degraded on dev/);
  });

  it('logs a refused post once, without the credentials, and the sync is unaffected', async () => {
    const repo = hostedRepo('denied');
    const sha = repo.commit(
      { 'deploy/cm.yaml': configMap('denied', { a: '1' }) },
      'Settings',
    );
    const { engine, reporter, lines } = await start({ enabled: true }, [
      spec('denied', repo.url, 'deploy'),
    ]);
    host.failNext([401], body => body.state === pending);
    expect((await syncAndWait(engine, 'denied')).phase).toBe('Succeeded');
    const calls = await statusesOf(sha, 2);
    await reporter.idle();
    expect(calls.map(c => [c.body.state, c.answered])).toEqual([
      [pending, 401],
      ['success', 201],
    ]);
    const warnings = lines.filter(l => l.startsWith('warn '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/HTTP 401/);
    const logged = lines.join('\n');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(Buffer.from(token).toString('base64'));
    expect(logged).not.toContain(
      Buffer.from(`${hostOptions.username}:${token}`).toString('base64'),
    );
  });

  it('says an older commit was superseded by a newer sync, and reports the newer one', async () => {
    const repo = hostedRepo('paused');
    const first = repo.commit(
      { 'deploy/app.yaml': pausedDeployment('app') },
      'Paused: never Healthy',
    );
    const { engine } = await start({ enabled: true }, [
      spec('paused', repo.url, 'deploy'),
    ]);
    expect((await syncAndWait(engine, 'paused')).phase).toBe('Succeeded');
    await statusesOf(first, 1);
    const second = repo.commit(
      { 'deploy/app.yaml': deployment('app', 'nginx:1.27') },
      'Resumed',
    );
    await engine.refresh('paused');
    expect((await syncAndWait(engine, 'paused')).phase).toBe('Succeeded');

    const older = await statusesOf(first, 2);
    expect(older.map(c => c.body.state)).toEqual([pending, superseded]);
    expect(String(older[1].body.description)).toBe(
      `Superseded on dev by ${second.slice(0, 12)} before it became Healthy`,
    );
    const newer = await statusesOf(second, 2);
    expect(newer.map(c => c.body.state)).toEqual([pending, 'success']);
    expect(
      newer.every(c => c.body[contextKey] === 'mooring/paused/default'),
    ).toBe(true);
  });
});

describe('commit statuses: when they are not reported, and failures to post', () => {
  const suite = kubeSimSuite('commit-status-rules');
  const token = 'ghp-never-logged-7d41e0';
  const served = path.join(suite.root, 'served');
  let host: Awaited<ReturnType<typeof startTestGitHost>>;
  let repoUrl: string;
  let sha: string;

  beforeAll(async () => {
    fs.mkdirSync(path.join(served, 'acme'), { recursive: true });
    host = await startTestGitHost({ provider: 'github', root: served, token });
    const repo = new TestRepo(path.join(suite.root, 'work'), 'site');
    sha = repo.commit(
      { 'deploy/cm.yaml': configMap('site', { a: '1' }) },
      'Site settings',
    );
    repo.git(
      'clone',
      '--quiet',
      '--bare',
      repo.dir,
      path.join(served, 'acme', 'site.git'),
    );
    repoUrl = host.repoUrl('acme/site.git');
  });
  afterAll(async () => {
    await host.stop();
  });
  beforeEach(() => {
    host.calls.splice(0);
  });

  async function start(
    commitStatus: JsonObject | undefined,
    specs: ApplicationSpec[],
  ) {
    const config = new ConfigReader({
      app: { baseUrl: APP_BASE_URL },
      integrations: host.integrationsConfig,
      gitops: {
        clusters: [
          {
            name: 'dev',
            url: suite.sim.url,
            serviceAccountToken: suite.sim.adminToken,
            caData: suite.sim.caData,
          },
          {
            name: 'prod',
            url: suite.sim.url,
            serviceAccountToken: suite.sim.adminToken,
            caData: suite.sim.caData,
          },
        ],
        allowedRepos: [`${host.baseUrl}/**`],
        ...(commitStatus ? { commitStatus } : {}),
      },
    });
    const integrations = ScmIntegrations.fromConfig(config);
    const workingDirectory = tempDir('commit-status-work');
    const engine = await createGitopsEngine({
      config,
      logger: mockServices.logger.mock(),
      database: await databases.init('SQLITE_3'),
      workingDirectory,
      urlReaderIntegrations: integrations,
    });
    const { logger, lines } = recordingLogger();
    const reporter = new CommitStatusReporter({
      settings: readCommitStatusSettings(config),
      integrations,
      logger,
      sender: { retryDelayMs: 10 },
    });
    reporter.start(engine);
    await engine.setApplications(specs);
    await engine.start();
    suite.cleanups.push(async () => {
      reporter.stop();
      await engine.stop();
      fs.rmSync(workingDirectory, { recursive: true, force: true });
    });
    return { engine, reporter, lines };
  }

  function app(id: string, overrides: { cluster?: string; target?: string }) {
    const base = spec(id, repoUrl, 'deploy', {
      cluster: overrides.cluster,
      namespace: id,
    });
    return {
      ...base,
      id: overrides.target ? `${id}-${overrides.target}` : id,
      target: overrides.target ?? 'default',
    };
  }

  /** Syncs `id` and waits until its run ended and the reporter is done with it. */
  async function syncAndSettle(
    engine: GitopsEngine,
    reporter: CommitStatusReporter,
    id: string,
  ) {
    const started = await engine.sync(id, { initiatedBy: 'user:default/ada' });
    await waitFor(`the sync of ${id} to finish`, async () => {
      const found = (await engine.getHistory(id)).find(
        r => r.id === started.id,
      );
      return found && found.phase !== 'Running' && found;
    });
    await waitFor(`${id} to be Healthy`, async () => {
      const { status } = await engine.getApplication(id);
      return status.health === 'Healthy';
    });
    await reporter.idle();
  }

  it('posts nothing without gitops.commitStatus, or with enabled: false', async () => {
    for (const commitStatus of [undefined, { enabled: false }]) {
      const { engine, reporter } = await start(commitStatus, [app('off', {})]);
      await syncAndSettle(engine, reporter, 'off');
      expect(host.calls).toEqual([]);
      for (const cleanup of suite.cleanups.splice(0)) await cleanup();
    }
  });

  it('follows the target’s setting, then the cluster’s, then the global one', async () => {
    const { engine, reporter } = await start(
      {
        enabled: true,
        clusters: { prod: { enabled: false } },
        targets: { canary: { enabled: true }, preview: { enabled: false } },
      },
      [
        app('on-dev', {}),
        app('off-prod', { cluster: 'prod' }),
        app('canary-prod', { cluster: 'prod', target: 'canary' }),
        app('preview-dev', { target: 'preview' }),
      ],
    );
    for (const id of [
      'on-dev',
      'off-prod',
      'canary-prod-canary',
      'preview-dev-preview',
    ]) {
      await syncAndSettle(engine, reporter, id);
    }
    await waitFor('the statuses of the enabled applications', () =>
      host.calls.filter(c => c.body.state === 'success').length >= 2
        ? true
        : undefined,
    );
    await reporter.idle();
    const contexts = [...new Set(host.calls.map(c => c.body.context))].sort();
    expect(contexts).toEqual([
      'mooring/canary-prod/canary',
      'mooring/on-dev/default',
    ]);
    expect(
      host.calls
        .filter(c => c.body.context === 'mooring/canary-prod/canary')
        .map(c => [c.body.state, c.body.description]),
    ).toEqual([
      ['pending', 'Deploying to prod/canary-prod'],
      ['success', 'Synced and Healthy on prod'],
    ]);
  });

  it('posts nothing for a dry run', async () => {
    const { engine, reporter } = await start({ enabled: true }, [
      app('preview', {}),
    ]);
    const run = await engine.sync('preview', {
      initiatedBy: 'user:default/ada',
      dryRun: true,
    });
    expect(run.dryRun).toBe(true);
    await reporter.idle();
    expect(host.calls).toEqual([]);
  });

  it('logs a refused post once per commit, never the token, and the sync is unaffected', async () => {
    const { engine, reporter, lines } = await start({ enabled: true }, [
      app('denied', {}),
    ]);
    host.failNext([401, 401]);
    await syncAndSettle(engine, reporter, 'denied');
    await waitFor('both posts', () => host.calls.length >= 2);
    await reporter.idle();
    expect(host.calls.map(c => c.answered)).toEqual([401, 401]);
    // The token was sent (the host checks it), but never logged.
    expect(host.calls[0].headers.authorization).toBe(`Bearer ${token}`);
    const warnings = lines.filter(l => l.startsWith('warn '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('HTTP 401');
    expect(warnings[0]).toContain(sha);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toContain(
      Buffer.from(token).toString('base64'),
    );
    const [run] = await engine.getHistory('denied');
    expect(run.phase).toBe('Succeeded');
  });

  it('retries a 5xx answer with back-off, and gives up with one warning', async () => {
    const { engine, reporter, lines } = await start({ enabled: true }, [
      app('flaky', {}),
    ]);
    // Pending: two 500s then accepted. Success: four 503s, then given up.
    host.failNext([500, 500], body => body.state === 'pending');
    host.failNext([503, 503, 503, 503], body => body.state === 'success');
    const started = await engine.sync('flaky', {
      initiatedBy: 'user:default/ada',
    });
    await waitFor('the sync to end and be reported', async () => {
      const [run] = await engine.getHistory('flaky');
      return (
        run.id === started.id &&
        run.phase !== 'Running' &&
        host.calls.filter(c => c.answered === 503).length === 4
      );
    });
    await reporter.idle();
    expect(host.calls.map(c => [c.body.state, c.answered])).toEqual([
      ['pending', 500],
      ['pending', 500],
      ['pending', 201],
      ['success', 503],
      ['success', 503],
      ['success', 503],
      ['success', 503],
    ]);
    const warnings = lines.filter(l => l.startsWith('warn '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/success commit status of flaky .*HTTP 503/);
    expect(lines.join('\n')).not.toContain(token);
  });

  it('does not retry a 422 answer', async () => {
    const { engine, reporter, lines } = await start({ enabled: true }, [
      app('invalid', {}),
    ]);
    host.failNext([422], body => body.state === 'pending');
    await syncAndSettle(engine, reporter, 'invalid');
    await waitFor('both statuses', () => host.calls.length >= 2);
    await reporter.idle();
    expect(host.calls.map(c => [c.body.state, c.answered])).toEqual([
      ['pending', 422],
      ['success', 201],
    ]);
    expect(lines.filter(l => l.startsWith('warn '))).toHaveLength(1);
  });

  it('gives up waiting for Healthy after healthTimeout, with a failure', async () => {
    const repo = new TestRepo(path.join(suite.root, 'work'), 'stuck');
    const stuckSha = repo.commit(
      { 'deploy/app.yaml': pausedDeployment('stuck') },
      'Paused',
    );
    repo.git(
      'clone',
      '--quiet',
      '--bare',
      repo.dir,
      path.join(served, 'acme', 'stuck.git'),
    );
    const { engine } = await start({ enabled: true, healthTimeout: 'PT2S' }, [
      spec('stuck', host.repoUrl('acme/stuck.git'), 'deploy'),
    ]);
    await engine.sync('stuck', { initiatedBy: 'user:default/ada' });
    const calls = await waitFor('the failure', () => {
      const found = host.calls.filter(c => c.sha === stuckSha);
      return found.length >= 2 && found;
    });
    expect(calls.map(c => c.body.state)).toEqual(['pending', 'failure']);
    expect(calls[1].body.description).toMatch(
      /^Not Healthy after 2 seconds on dev \(Suspended/,
    );
  });
});
