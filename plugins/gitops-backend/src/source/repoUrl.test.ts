import { checkRepoUrl, sameRepo } from './repoUrl';

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

describe('sameRepo', () => {
  it.each([
    [
      'https://git.example.com/team/app.git',
      'https://git.example.com/team/app',
    ],
    [
      'https://git.example.com/team/app/',
      'https://git.example.com/team/app.git',
    ],
    ['https://Git.Example.com/team/app', 'https://git.example.com/team/app'],
    [
      'https://bot:token@git.example.com/team/app.git',
      'https://git.example.com/team/app',
    ],
    ['git@git.example.com:team/app.git', 'ssh://git@git.example.com/team/app'],
    [
      'https://gitlab.example.com/group/sub/app.git',
      'https://gitlab.example.com/group/sub/app',
    ],
    ['git://127.0.0.1:9418/apps.git', 'git://127.0.0.1:9418/apps'],
    ['file:///tmp/fleet', 'file:///tmp/fleet/'],
    ['/srv/git/apps.git', '/srv/git/apps/'],
  ])('takes %s and %s for one repository', (a, b) => {
    expect(sameRepo(a, b)).toBe(true);
    expect(sameRepo(b, a)).toBe(true);
  });

  it.each([
    ['https://git.example.com/team/app', 'https://git.example.com/team/api'],
    ['https://git.example.com/team/app', 'https://git.example.com/other/app'],
    ['https://git.example.com/team/app', 'https://git.other.com/team/app'],
    ['https://git.example.com/team/app', 'http://git.example.com/team/app'],
    ['git://127.0.0.1:9418/apps', 'git://127.0.0.1:9419/apps'],
    ['git://127.0.0.1:9418/apps', 'git://127.0.0.1:9418/tools'],
    ['file:///tmp/a/fleet', 'file:///tmp/b/fleet'],
    ['/srv/git/apps', '/srv/git/tools'],
  ])('tells %s and %s apart', (a, b) => {
    expect(sameRepo(a, b)).toBe(false);
    expect(sameRepo(b, a)).toBe(false);
  });
});
