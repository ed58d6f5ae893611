import crypto from 'node:crypto';
import {
  detectProvider,
  parsePushEvent,
  pushAffects,
  repoKey,
  verifySignature,
} from './pushEvent';

describe('repoKey', () => {
  it('makes the clone, SSH and web URLs of one repository equal', () => {
    const key = 'git.example.com/team/payments';
    expect(repoKey('https://git.example.com/team/payments.git')).toBe(key);
    expect(repoKey('https://Git.Example.com/team/payments/')).toBe(key);
    expect(repoKey('git@git.example.com:team/payments.git')).toBe(key);
    expect(repoKey('ssh://git@git.example.com:22/team/payments.git')).toBe(key);
    expect(repoKey('git://127.0.0.1:9418/payments.git')).toBe(
      '127.0.0.1/payments',
    );
    expect(repoKey('https://git.example.com/team/payments-api.git')).not.toBe(
      key,
    );
  });
});

describe('pushAffects', () => {
  const event = parsePushEvent('github', {
    ref: 'refs/heads/main',
    repository: {
      clone_url: 'https://git.example.com/team/payments.git',
      default_branch: 'main',
    },
  });
  const repoUrl = 'git@git.example.com:team/payments.git';

  it('matches applications on the pushed branch or following the default branch', () => {
    expect(pushAffects(event, { repoUrl, revision: 'main' })).toBe(true);
    expect(pushAffects(event, { repoUrl, revision: '' })).toBe(true);
    expect(pushAffects(event, { repoUrl, revision: 'release' })).toBe(false);
    expect(
      pushAffects(event, {
        repoUrl: 'https://git.example.com/team/other.git',
        revision: 'main',
      }),
    ).toBe(false);
  });

  it('matches tag pushes to applications pinned to that tag only', () => {
    const tag = parsePushEvent('gitlab', {
      ref: 'refs/tags/v1.2.0',
      project: { git_http_url: 'https://git.example.com/team/payments.git' },
    });
    expect(pushAffects(tag, { repoUrl, revision: 'v1.2.0' })).toBe(true);
    expect(pushAffects(tag, { repoUrl, revision: '' })).toBe(false);
  });

  it('refreshes default-branch applications when the host does not name the default branch', () => {
    const gitea = parsePushEvent('gitea', {
      ref: 'refs/heads/develop',
      repository: { clone_url: 'https://git.example.com/team/payments.git' },
    });
    expect(pushAffects(gitea, { repoUrl, revision: '' })).toBe(true);
  });
});

describe('parsePushEvent', () => {
  it('says what is missing', () => {
    expect(() => parsePushEvent('github', [])).toThrow(/JSON object/);
    expect(() => parsePushEvent('github', { repository: {} })).toThrow(
      /no "ref"/,
    );
    expect(() => parsePushEvent('gitlab', { ref: 'refs/heads/main' })).toThrow(
      /names no repository URL/,
    );
  });
});

describe('verifySignature', () => {
  const secret = 'top-secret';
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const hmac = crypto.createHmac('sha256', secret).update(body).digest('hex');

  it('accepts the HMAC of GitHub and Gitea and the token of GitLab', () => {
    expect(() =>
      verifySignature({
        provider: 'github',
        headers: { 'x-hub-signature-256': `sha256=${hmac}` },
        body,
        secret,
      }),
    ).not.toThrow();
    expect(() =>
      verifySignature({
        provider: 'gitea',
        headers: { 'x-gitea-signature': hmac },
        body,
        secret,
      }),
    ).not.toThrow();
    expect(() =>
      verifySignature({
        provider: 'gitlab',
        headers: { 'x-gitlab-token': secret },
        body,
        secret,
      }),
    ).not.toThrow();
  });

  it('rejects missing, wrong and truncated signatures', () => {
    for (const headers of [
      {},
      { 'x-hub-signature-256': 'sha256=' },
      { 'x-hub-signature-256': `sha256=${hmac.slice(0, 10)}` },
      { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      { 'x-hub-signature': `sha1=${hmac}` },
    ]) {
      expect(() =>
        verifySignature({ provider: 'github', headers, body, secret }),
      ).toThrow(expect.objectContaining({ name: 'AuthenticationError' }));
    }
    expect(() =>
      verifySignature({
        provider: 'gitlab',
        headers: { 'x-gitlab-token': `${secret}x` },
        body,
        secret,
      }),
    ).toThrow(/does not match/);
  });
});

describe('detectProvider', () => {
  it('tells Gitea from GitHub, though Gitea sends both headers', () => {
    expect(
      detectProvider({ 'x-github-event': 'push', 'x-gitea-event': 'push' }),
    ).toBe('gitea');
    expect(detectProvider({ 'x-github-event': 'push' })).toBe('github');
    expect(detectProvider({ 'x-gitlab-event': 'Push Hook' })).toBe('gitlab');
    expect(detectProvider({})).toBeUndefined();
  });
});
