import { ConfigReader } from '@backstage/config';
import { createRepoCheck } from './deployChecks';

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
