import { resourceDiff } from './resourceDiff';
import { maskSecret } from './maskSecrets';

const live = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'settings',
    namespace: 'shop',
    resourceVersion: '42',
    uid: 'abc',
    creationTimestamp: '2026-01-01T00:00:00Z',
    managedFields: [{ manager: 'mooring' }],
  },
  data: { mode: 'fast' },
};

describe('resourceDiff', () => {
  it('is undefined for equal objects', () => {
    expect(
      resourceDiff(live, {
        ...live,
        metadata: { name: 'settings', namespace: 'shop' },
      }),
    ).toBeUndefined();
  });

  it('gives a unified diff, live against desired', () => {
    const result = resourceDiff(live, { ...live, data: { mode: 'slow' } })!;
    expect(result).toMatchObject({
      group: '',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'settings',
    });
    expect(result.diff).toContain('--- live/core/ConfigMap/shop/settings');
    expect(result.diff).toContain('+++ desired/core/ConfigMap/shop/settings');
    expect(result.diff).toContain('-  mode: fast');
    expect(result.diff).toContain('+  mode: slow');
    expect(result.diff).not.toContain('resourceVersion');
  });

  it('masks Secret values but shows which key changed', () => {
    const secret = (data: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: 'shop' },
      data,
    });
    const before = {
      password: Buffer.from('hunter2').toString('base64'),
      user: 'YWRtaW4=',
    };
    const after = {
      password: Buffer.from('correct-horse').toString('base64'),
      user: 'YWRtaW4=',
      added: 'eA==',
    };
    const result = resourceDiff(secret(before), secret(after))!;
    expect(result.diff).not.toMatch(
      /aHVudGVyMg|Y29ycmVjdC1ob3JzZQ|YWRtaW4|hunter2|correct-horse/,
    );
    expect(result.diff).toContain('-  password: ++++++++');
    expect(result.diff).toContain('+  password: ++++++++++++++++');
    expect(result.diff).toContain('+  added: ++++++++');
    expect(result.diff).toContain('   user: ++++++++');
    expect(resourceDiff(secret(before), secret({ ...before }))).toBeUndefined();
  });

  it('shows an object leaving Git as all removed', () => {
    const result = resourceDiff(live, undefined)!;
    expect(result.diff).toContain('-kind: ConfigMap');
    expect(result.diff).not.toMatch(/^\+[a-z]/m);
  });

  it('masks a single Secret', () => {
    expect(
      maskSecret({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's' },
        stringData: { a: 'b' },
      } as any),
    ).toMatchObject({ stringData: { a: '++++++++' } });
  });
});
