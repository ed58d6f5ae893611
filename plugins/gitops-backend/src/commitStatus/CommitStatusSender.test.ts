import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import {
  DefaultGithubCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import { waitFor } from '../__testUtils__/waitFor';
import { freePort, tempDir } from '../__testUtils__/gitRepos';
import { CommitStatusSender, mask } from './CommitStatusSender';
import { StatusEndpoint, resolveStatusEndpoint } from './statusEndpoint';
import { startTestGitHost } from './__testUtils__/testGitHost';

jest.setTimeout(60_000);

const TOKEN = 'ghp-sender-secret-91b2';

function recordingLogger(): { logger: LoggerService; lines: string[] } {
  const lines: string[] = [];
  const make = (): LoggerService => ({
    error: m => lines.push(`error ${m}`),
    warn: m => lines.push(`warn ${m}`),
    info: m => lines.push(`info ${m}`),
    debug: m => lines.push(`debug ${m}`),
    child: () => make(),
  });
  return { logger: make(), lines };
}

const sha = (n: number) => n.toString(16).padStart(40, '0');

const status = (state: 'pending' | 'success' | 'failure') => ({
  state,
  description: state,
  context: 'mooring/web/default',
});

describe('CommitStatusSender', () => {
  const root = tempDir('commit-status-sender');
  let host: Awaited<ReturnType<typeof startTestGitHost>>;
  let endpoint: StatusEndpoint;

  beforeAll(async () => {
    host = await startTestGitHost({
      provider: 'github',
      root,
      token: TOKEN,
      delayMs: 150,
    });
    const integrations = ScmIntegrations.fromConfig(
      new ConfigReader({ integrations: host.integrationsConfig }),
    );
    const resolved = await resolveStatusEndpoint(
      host.repoUrl('acme/web.git'),
      integrations,
      DefaultGithubCredentialsProvider.fromIntegrations(integrations),
    );
    if ('skip' in resolved) throw new Error(resolved.skip);
    endpoint = resolved;
  });
  beforeEach(() => {
    host.calls.splice(0);
    host.load.maxInFlight = 0;
  });
  afterAll(async () => {
    await host.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('posts a few at once however many are queued', async () => {
    const { logger } = recordingLogger();
    const sender = new CommitStatusSender({ logger, concurrency: 4 });
    for (let i = 0; i < 40; i++) {
      sender.send({
        applicationId: `app-${i}`,
        sha: sha(i),
        endpoint,
        status: status('pending'),
      });
    }
    await sender.idle();
    expect(host.calls).toHaveLength(40);
    expect(host.calls.every(c => c.answered === 201)).toBe(true);
    expect(host.load.maxInFlight).toBeLessThanOrEqual(4);
    expect(host.load.maxInFlight).toBeGreaterThan(1);
  });

  it('posts only the newest status waiting for a commit, and never overtakes the one posting', async () => {
    const { logger } = recordingLogger();
    const sender = new CommitStatusSender({ logger, concurrency: 1 });
    const delivery = (n: number, state: 'pending' | 'success' | 'failure') => ({
      applicationId: 'web',
      sha: sha(n),
      endpoint,
      status: status(state),
    });
    sender.send(delivery(1, 'pending'));
    // Waiting behind the first: only the last of these three is posted.
    sender.send(delivery(2, 'pending'));
    sender.send(delivery(2, 'success'));
    sender.send(delivery(2, 'failure'));
    await sender.idle();
    // Sent while its commit's pending status is being posted: posted after it.
    host.pause();
    sender.send(delivery(3, 'pending'));
    await waitFor('the third commit to be posting', () => host.load.inFlight);
    sender.send(delivery(3, 'success'));
    host.resume();
    await sender.idle();
    expect(host.calls.map(c => [c.sha, c.body.state])).toEqual([
      [sha(1), 'pending'],
      [sha(2), 'failure'],
      [sha(3), 'pending'],
      [sha(3), 'success'],
    ]);
  });

  it('drops what exceeds its queue, with one warning', async () => {
    const { logger, lines } = recordingLogger();
    const sender = new CommitStatusSender({
      logger,
      concurrency: 1,
      maxQueued: 3,
    });
    for (let i = 0; i < 6; i++) {
      sender.send({
        applicationId: `app-${i}`,
        sha: sha(i),
        endpoint,
        status: status('pending'),
      });
    }
    await sender.idle();
    expect(host.calls.map(c => c.sha)).toEqual([sha(0), sha(1), sha(2)]);
    const warnings = lines.filter(l => l.startsWith('warn '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Too many commit statuses.*app-3/);
  });

  it('does not retry a host it cannot reach, and never logs the token', async () => {
    const { logger, lines } = recordingLogger();
    const port = await freePort();
    const sender = new CommitStatusSender({ logger, retryDelayMs: 10 });
    sender.send({
      applicationId: 'web',
      sha: sha(7),
      endpoint: {
        ...endpoint,
        url: s => `http://127.0.0.1:${port}/repos/acme/web/statuses/${s}`,
      },
      status: status('pending'),
    });
    await sender.idle();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^warn Could not post the pending commit status of web to github for commit ${sha(
          7,
        )} .*ECONNREFUSED`,
      ),
    );
    expect(lines[0]).not.toContain(TOKEN);
  });

  it('never follows a redirect, so the token stays with the host it belongs to', async () => {
    const seen: (string | undefined)[] = [];
    const elsewhere = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(201).end('{}');
    });
    await new Promise<void>(r => elsewhere.listen(0, '127.0.0.1', () => r()));
    const elsewherePort = (elsewhere.address() as net.AddressInfo).port;
    const redirecting = http.createServer((_req, res) => {
      res
        .writeHead(307, { Location: `http://127.0.0.1:${elsewherePort}/steal` })
        .end();
    });
    await new Promise<void>(r => redirecting.listen(0, '127.0.0.1', () => r()));
    const port = (redirecting.address() as net.AddressInfo).port;
    const { logger, lines } = recordingLogger();
    const sender = new CommitStatusSender({ logger });
    sender.send({
      applicationId: 'web',
      sha: sha(8),
      endpoint: {
        ...endpoint,
        url: s => `http://127.0.0.1:${port}/statuses/${s}`,
      },
      status: status('success'),
    });
    await sender.idle();
    await new Promise<void>(r => redirecting.close(() => r()));
    await new Promise<void>(r => elsewhere.close(() => r()));
    expect(seen).toEqual([]);
    expect(lines.filter(l => l.startsWith('warn '))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('stops posting when stopped', async () => {
    const { logger } = recordingLogger();
    const sender = new CommitStatusSender({ logger, concurrency: 1 });
    for (let i = 0; i < 5; i++) {
      sender.send({
        applicationId: `app-${i}`,
        sha: sha(i),
        endpoint,
        status: status('pending'),
      });
    }
    sender.stop();
    sender.send({
      applicationId: 'late',
      sha: sha(9),
      endpoint,
      status: status('pending'),
    });
    await sender.idle();
    await waitFor('the host to answer what it got', () =>
      host.load.inFlight === 0 ? true : undefined,
    );
    expect(host.calls.length).toBeLessThanOrEqual(1);
    expect(host.calls.some(c => c.sha === sha(9))).toBe(false);
  });
});

describe('mask', () => {
  it('hides secrets and their Base64 form', () => {
    const secret = 'hunter2-token';
    const text = `Bearer ${secret}; basic ${Buffer.from(secret).toString(
      'base64',
    )}`;
    expect(mask(text, [secret])).toBe('Bearer ***; basic ***');
  });
});
