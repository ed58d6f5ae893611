import crypto from 'node:crypto';
import {
  component,
  GitopsTestBackend,
  payments,
  PROD,
  REPO,
  STAGING,
  startGitopsTestBackend,
  web,
  WEB,
  WEBHOOK_SECRET,
} from '../__testUtils__/gitopsTestBackend';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

function sign(body: string, secret = WEBHOOK_SECRET) {
  return `sha256=${crypto
    .createHmac('sha256', secret)
    .update(body)
    .digest('hex')}`;
}

/** Follows the payments repository too, spelling its URL without `.git`. */
const docs = component('payments-docs', 'user:default/alice', {
  'mooring.dev/cluster': 'dev',
  'mooring.dev/path': 'docs',
  'mooring.dev/repo': 'https://git.example.com/team/payments',
});
const DOCS = 'component~default~payments-docs~default';
/** Follows a tag of the payments repository, not a branch. */
const pinned = component('payments-pinned', 'user:default/alice', {
  'mooring.dev/cluster': 'dev',
  'mooring.dev/path': 'deploy',
  'mooring.dev/repo': REPO,
  'mooring.dev/revision': 'v2.0.0',
});
const PINNED = 'component~default~payments-pinned~default';

describe('gitops webhook', () => {
  let t: GitopsTestBackend;
  beforeAll(async () => {
    t = await startGitopsTestBackend([payments, web, docs, pinned]);
  });
  afterAll(async () => {
    await t.backend.stop();
  });

  const githubPush = JSON.stringify({
    ref: 'refs/heads/main',
    after: 'def456',
    repository: {
      clone_url: REPO,
      ssh_url: 'git@git.example.com:team/payments.git',
      html_url: 'https://git.example.com/team/payments',
      default_branch: 'main',
    },
  });

  const refreshCalls = () =>
    t.engine.calls.filter(c => c.startsWith('refresh'));

  it('accepts a signed GitHub push without a Backstage token and refreshes the pushed repository once', async () => {
    const res = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(githubPush))
      .send(githubPush);
    expect(res.status).toBe(202);
    expect(res.body.applications.sort()).toEqual([DOCS, PROD, STAGING]);
    await waitFor('the refresh of the pushed repository', () =>
      refreshCalls().length > 0 ? true : undefined,
    );
    expect(refreshCalls()).toEqual([`refreshRepo ${REPO} main by webhook`]);
  });

  it('rejects unsigned and wrongly signed GitHub pushes with 401 and refreshes nothing', async () => {
    const before = t.engine.calls.length;
    const unsigned = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .send(githubPush);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.message).toContain('not signed');

    const wrong = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(githubPush, 'another-secret'))
      .send(githubPush);
    expect(wrong.status).toBe(401);

    const tampered = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(githubPush))
      .send(githubPush.replace('main', 'evil'));
    expect(tampered.status).toBe(401);

    const anonymous = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .send(githubPush);
    expect(anonymous.status).toBe(401);
    expect(t.engine.calls.length).toBe(before);
  });

  it('accepts GitLab pushes with the right token only', async () => {
    const body = JSON.stringify({
      ref: 'refs/heads/main',
      project: {
        git_http_url: 'https://git.example.com/team/web.git',
        default_branch: 'main',
      },
    });
    const ok = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-Gitlab-Event', 'Push Hook')
      .set('X-Gitlab-Token', WEBHOOK_SECRET)
      .send(body);
    expect(ok.status).toBe(202);
    expect(ok.body.applications).toEqual([WEB]);
    await waitFor('the refresh of the web repository', () =>
      t.engine.calls.includes(
        'refreshRepo https://git.example.com/team/web.git main by webhook',
      ),
    );

    for (const token of ['wrong', undefined]) {
      const req = t
        .http()
        .post('/api/gitops/webhook')
        .set('Content-Type', 'application/json')
        .set('X-Gitlab-Event', 'Push Hook');
      const res = await (token ? req.set('X-Gitlab-Token', token) : req).send(
        body,
      );
      expect(res.status).toBe(401);
    }
  });

  it('accepts Gitea pushes signed with X-Gitea-Signature', async () => {
    const before = t.engine.calls.length;
    const body = JSON.stringify({
      ref: 'refs/heads/develop',
      repository: { clone_url: REPO, default_branch: 'main' },
    });
    const hex = sign(body).slice('sha256='.length);
    const ok = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-Gitea-Event', 'push')
      .set('X-Gitea-Signature', hex)
      .send(body);
    expect(ok.status).toBe(202);
    // payments follows the default branch (main), so a push to develop touches nothing.
    expect(ok.body.applications).toEqual([]);
    await new Promise(r => setTimeout(r, 100));
    expect(t.engine.calls.length).toBe(before);

    const bad = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-Gitea-Event', 'push')
      .set('X-Gitea-Signature', '00'.repeat(32))
      .send(body);
    expect(bad.status).toBe(401);
  });

  it('refreshes the applications pinned to a pushed tag', async () => {
    const body = JSON.stringify({
      ref: 'refs/tags/v2.0.0',
      repository: { clone_url: REPO, default_branch: 'main' },
    });
    const ok = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(body))
      .send(body);
    expect(ok.status).toBe(202);
    expect(ok.body.applications).toEqual([PINNED]);
    await waitFor('the refresh of the tagged repository', () =>
      t.engine.calls.includes(`refreshRepo ${REPO} v2.0.0 by webhook`),
    );
  });

  it('ignores signed non-push events and rejects signed bodies that are not push events', async () => {
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.' });
    const res = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'ping')
      .set('X-Hub-Signature-256', sign(ping))
      .send(ping);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ applications: [], ignored: 'ping event' });

    const notJson = 'not json';
    const bad = await t
      .http()
      .post('/api/gitops/webhook')
      .set('Content-Type', 'application/json')
      .set('X-GitHub-Event', 'push')
      .set('X-Hub-Signature-256', sign(notJson))
      .send(notJson);
    expect(bad.status).toBe(400);
  });
});
