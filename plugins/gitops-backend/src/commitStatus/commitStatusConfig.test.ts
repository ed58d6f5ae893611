import { ConfigReader } from '@backstage/config';
import { readCommitStatusSettings } from './commitStatusConfig';

function read(commitStatus: unknown, app?: unknown) {
  return readCommitStatusSettings(
    new ConfigReader({
      ...(app ? { app } : {}),
      gitops: commitStatus === undefined ? {} : { commitStatus },
    } as any),
  );
}

describe('readCommitStatusSettings', () => {
  it('is off without gitops.commitStatus, waits 10 minutes, and keeps app.baseUrl without a trailing slash', () => {
    const settings = read(undefined, {
      baseUrl: 'https://backstage.example.com/',
    });
    expect(settings.enabledFor({ cluster: 'prod', target: 'default' })).toBe(
      false,
    );
    expect(settings.healthTimeoutMs).toBe(600_000);
    expect(settings.appBaseUrl).toBe('https://backstage.example.com');
  });

  it('lets the target win over the cluster, and the cluster over the global setting', () => {
    const settings = read({
      enabled: true,
      clusters: { prod: { enabled: false }, lab: { enabled: true } },
      targets: { canary: { enabled: true }, preview: { enabled: false } },
    });
    const on = (cluster: string, target: string) =>
      settings.enabledFor({ cluster, target });
    expect(on('dev', 'default')).toBe(true);
    expect(on('prod', 'default')).toBe(false);
    expect(on('prod', 'canary')).toBe(true);
    expect(on('dev', 'preview')).toBe(false);
    expect(on('lab', 'preview')).toBe(false);

    const optIn = read({ clusters: { lab: { enabled: true } } });
    expect(optIn.enabledFor({ cluster: 'lab', target: 'default' })).toBe(true);
    expect(optIn.enabledFor({ cluster: 'dev', target: 'default' })).toBe(false);
  });

  it('reads healthTimeout as an object or an ISO 8601 duration', () => {
    expect(read({ healthTimeout: { minutes: 2 } }).healthTimeoutMs).toBe(
      120_000,
    );
    expect(read({ healthTimeout: 'PT30S' }).healthTimeoutMs).toBe(30_000);
  });

  it.each([
    [
      { enabled: 'maybe' },
      /gitops\.commitStatus\.enabled must be true or false/,
    ],
    [{ enable: true }, /gitops\.commitStatus\.enable is not a setting/],
    [
      { healthTimeout: 'soon' },
      /gitops\.commitStatus\.healthTimeout is not a duration/,
    ],
    [{ healthTimeout: 'PT0S' }, /healthTimeout must be longer than zero/],
    [
      { clusters: ['prod'] },
      /gitops\.commitStatus\.clusters must be an object/,
    ],
    [
      { clusters: { prod: false } },
      /gitops\.commitStatus\.clusters\.prod must be an object/,
    ],
    [
      { clusters: { prod: {} } },
      /gitops\.commitStatus\.clusters\.prod\.enabled is missing/,
    ],
    [
      { targets: { staging: { enabled: 'sometimes' } } },
      /gitops\.commitStatus\.targets\.staging\.enabled must be true or false/,
    ],
    [
      { targets: { staging: { enabled: true, context: 'x' } } },
      /gitops\.commitStatus\.targets\.staging\.context is not a setting/,
    ],
  ])('refuses %j, naming the key', (commitStatus, message) => {
    expect(() => read(commitStatus)).toThrow(message);
  });
});
