import { ConfigReader } from '@backstage/config';
import { checkRepoUrl, createRepoCheck, repoUrlAllowed } from './repoUrl';

const allowed = [
  'git://127.0.0.1:9418/**',
  'file:///tmp/**',
  'https://git.example.com/**',
];

describe('checkRepoUrl', () => {
  it('accepts allowed repositories', () => {
    expect(() =>
      checkRepoUrl('git://127.0.0.1:9418/apps.git', allowed),
    ).not.toThrow();
    expect(() => checkRepoUrl('file:///tmp/x/repo', allowed)).not.toThrow();
    expect(() =>
      checkRepoUrl('https://git.example.com/team/app.git', allowed),
    ).not.toThrow();
  });

  it.each([
    ['--upload-pack=touch /tmp/pwned', /looks like a git option/],
    ['ext::sh -c touch% /tmp/pwned', /transport helper/],
    ['https://git.example.com/a::b', /transport helper/],
    ['ftp://git.example.com/a.git', /uses protocol ftp:/],
    ['not a url', /whitespace/],
    ['https://evil.example.com/a.git', /not in gitops.allowedRepos/],
    ['file:///etc/passwd', /not in gitops.allowedRepos/],
  ])('refuses %s', (url, message) => {
    expect(() => checkRepoUrl(url, allowed)).toThrow(message);
  });

  it.each([
    ['https://evil.com?.corp/x', /holds "\?" or "#"/],
    ['https://evil.com#.corp/x', /holds "\?" or "#"/],
    ['https://user@evil.com/.corp/x', /not in gitops.allowedRepos/],
    ['https://evil.com/.corp/x', /not in gitops.allowedRepos/],
    ['https://a.corp.evil.com/x', /not in gitops.allowedRepos/],
    ['https://bot:secret@git.corp/x', /holds a password/],
    ['https://git.corp/team/%2e%2e/x', /"\.\." path segment/],
    ['https://git.corp/team/../x', /"\.\." path segment/],
    ['https://git.corp/team//x', /empty/],
    ['https://git.corp/team%2fx', /encoded slash/],
    ['http://git.corp/x', /not in gitops.allowedRepos/],
  ])('matches parsed parts, so %s is refused', (url, message) => {
    expect(() => checkRepoUrl(url, ['https://*.corp/**'])).toThrow(message);
  });

  it.each([
    ['https://GIT.Corp/team/app.git', 'https://*.corp/**'],
    ['https://git.corp/team/app/', 'https://*.corp/team/*'],
    ['https://bücher.corp/app', 'https://xn--bcher-kva.corp/**'],
    ['https://xn--bcher-kva.corp/app', 'https://bücher.corp/**'],
    ['git@git.corp:team/app.git', 'ssh://git@git.corp/team/**'],
    ['git://127.0.0.1:9418/apps.git', 'git://127.0.0.1:*/**'],
    ['file:///tmp/x/repo', 'file:///tmp/**'],
  ])('allows %s by %s', (url, pattern) => {
    expect(() => checkRepoUrl(url, [pattern])).not.toThrow();
  });

  it('refuses everything when no repository is allowed', () => {
    expect(() => checkRepoUrl('https://git.example.com/a.git', [])).toThrow(
      /allowed: none/,
    );
  });
});

describe('repoUrlAllowed', () => {
  it('matches one pattern as checkRepoUrl matches, and refuses what cannot be parsed safely', () => {
    expect(
      repoUrlAllowed('https://git.corp/team/app', 'https://*.corp/**'),
    ).toBe(true);
    expect(
      repoUrlAllowed('https://evil.com#.corp/x', 'https://*.corp/**'),
    ).toBe(false);
    expect(
      repoUrlAllowed('https://git.corp/team/%2e%2e/x', 'https://*.corp/**'),
    ).toBe(false);
    expect(repoUrlAllowed('ssh://git.corp/team/app', 'https://*.corp/**')).toBe(
      false,
    );
  });
});

function check(allowedRepos: string[]) {
  return createRepoCheck(new ConfigReader({ gitops: { allowedRepos } }));
}

describe('createRepoCheck', () => {
  it('allows what gitops.allowedRepos lists, as the agent reads it', () => {
    const repo = check([
      'https://git.example.com/team/**',
      'git://127.0.0.1:9418/**',
      'file:///srv/git/**',
    ]);
    expect(repo('https://git.example.com/team/shipping.git')).toBeUndefined();
    expect(repo('https://GIT.example.com/team/shipping')).toBeUndefined();
    expect(repo('git://127.0.0.1:9418/shipping')).toBeUndefined();
    expect(repo('file:///srv/git/shipping.git')).toBeUndefined();
    expect(repo('https://git.example.com/other/shipping')).toMatch(
      /is not in gitops.allowedRepos.*allowed: https:\/\/git.example.com\/team\/\*\*/,
    );
  });

  it('refuses URLs that match a pattern as text while git would reach another repository or host', () => {
    const repo = check([
      'https://git.example.com/team/**',
      'https://*.example.com/**',
    ]);
    for (const url of [
      // A percent-encoded '..' or '/' that the Git host decodes.
      'https://git.example.com/team/%2e%2e/other/repo',
      'https://git.example.com/team/a/..%2f..%2fother',
      // The host is evil.example; the rest is a fragment or a query.
      'https://evil.example#.example.com/team/repo',
      'https://169.254.169.254?.example.com/team/repo',
      // Credentials in the URL would reach task logs and commit messages.
      'https://user:secret@git.example.com/team/repo',
      // Not a repository URL git should see.
      '--upload-pack=touch /tmp/x',
      'ext::sh -c touch% /tmp/x',
    ]) {
      expect(repo(url)).toEqual(expect.any(String));
    }
  });
});
