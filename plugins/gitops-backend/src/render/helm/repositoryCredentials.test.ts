import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import {
  checkRepositoryConfig,
  repositoryConfigFor,
  signInsFor,
  withoutCredentials,
  writeRepositoriesFile,
} from './repositoryCredentials';

const entries = [
  { url: 'https://charts.example.com/private', username: 'a', password: 'pa' },
  {
    url: 'https://charts.example.com/private/team',
    username: 'b',
    password: 'pb',
  },
  { url: 'https://charts.example.com:8443', username: 'c', password: 'pc' },
  { url: 'oci://registry.example.com/charts', username: 'd', password: 'pd' },
];

describe('repositoryConfigFor', () => {
  it.each([
    ['https://charts.example.com/private', 'a'],
    ['https://charts.example.com/private/', 'a'],
    ['https://CHARTS.example.com/private/stable', 'a'],
    ['https://charts.example.com/private/team', 'b'],
    ['https://charts.example.com/private/team/x', 'b'],
    ['https://charts.example.com:8443/anything', 'c'],
  ])('gives %s the entry of %s', (url, username) => {
    expect(repositoryConfigFor(url, entries)?.username).toBe(username);
  });

  it.each([
    'https://charts.example.com/privateer',
    'https://charts.example.com/',
    'http://charts.example.com/private',
    'https://charts.example.com.evil.com/private',
    'https://evil.com/charts.example.com/private',
    'https://charts.example.com/other/../private',
    'https://charts.example.com/private%2f..%2fother',
  ])('gives %s no entry', url => {
    expect(repositoryConfigFor(url, entries)).toBeUndefined();
  });
});

describe('checkRepositoryConfig', () => {
  it('accepts entries with both username and password, or neither', () => {
    expect(() =>
      checkRepositoryConfig([...entries, { url: 'https://open.example.com' }]),
    ).not.toThrow();
  });

  it('refuses a URL holding credentials, and a username without password', () => {
    expect(() =>
      checkRepositoryConfig([{ url: 'https://u:p@charts.example.com' }]),
    ).toThrow(
      'gitops.helm.repositories[0].url "https://u:p@charts.example.com" holds credentials',
    );
    expect(() =>
      checkRepositoryConfig([
        { url: 'https://charts.example.com', username: 'u' },
      ]),
    ).toThrow(
      'gitops.helm.repositories[0] (https://charts.example.com) gives a username without a password; give both',
    );
  });
});

describe('signInsFor', () => {
  it('signs in to the repositories an entry covers, once each, as the chart names them', () => {
    expect(
      signInsFor(
        [
          'https://charts.example.com/private/stable/',
          'https://charts.example.com/private/stable/',
          'https://public.example.com/charts',
        ],
        entries,
      ),
    ).toEqual([
      {
        url: 'https://charts.example.com/private/stable/',
        username: 'a',
        password: 'pa',
      },
    ]);
  });

  it('signs in to an OCI registry an entry covers', () => {
    expect(
      signInsFor(['oci://registry.example.com/charts/redis'], entries),
    ).toEqual([
      {
        url: 'oci://registry.example.com/charts/redis',
        username: 'd',
        password: 'pd',
      },
    ]);
  });
});

describe('writeRepositoriesFile', () => {
  it("writes Helm's repositories file for the backend's user only", async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mooring-helm-cred-'));
    try {
      const file = path.join(folder, 'config', 'repositories.yaml');
      await writeRepositoriesFile(file, [
        {
          url: 'https://charts.example.com/x',
          username: 'u',
          password: 'p: #"',
        },
      ]);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(parse(fs.readFileSync(file, 'utf8')).repositories).toEqual([
        {
          name: 'mooring-1',
          url: 'https://charts.example.com/x',
          username: 'u',
          password: 'p: #"',
          pass_credentials_all: false,
          insecure_skip_tls_verify: false,
        },
      ]);
      // Never written over: an existing file is an error.
      await expect(writeRepositoriesFile(file, [])).rejects.toThrow(/EEXIST/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('withoutCredentials', () => {
  it('hides passwords, plain, percent-encoded and in a Basic header', () => {
    const signIns = [{ url: 'https://x', username: 'u', password: 'p@ss w' }];
    expect(
      withoutCredentials(
        `a p@ss w b p%40ss%20w c ${Buffer.from('u:p@ss w').toString('base64')}`,
        signIns,
      ),
    ).toBe('a *** b *** c ***');
  });
});
