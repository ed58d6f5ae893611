import { sameRepo } from './repoUrl';

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
