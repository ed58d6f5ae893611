import { checkRepoUrl } from './repoUrl';

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

  it('refuses everything when no repository is allowed', () => {
    expect(() => checkRepoUrl('https://git.example.com/a.git', [])).toThrow(
      /allowed: none/,
    );
  });
});
