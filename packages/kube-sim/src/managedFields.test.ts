import {
  decodeFieldsV1,
  describePath,
  encodeFieldsV1,
  fieldSetOf,
  joinPath,
  recordUpdate,
  removePath,
  valueAt,
} from './managedFields';

const deployment = { kind: 'Deployment' };

const object = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'default',
    uid: 'u',
    labels: { app: 'web' },
    finalizers: ['x'],
  },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            args: ['a', 'b'],
          },
        ],
      },
    },
  },
  status: { replicas: 2 },
};

describe('fieldSetOf', () => {
  it('owns leaves, list items by key, atomic lists whole, and never identity fields', () => {
    const fields = [...fieldSetOf(object, deployment, 'main')]
      .map(describePath)
      .sort();
    expect(fields).toEqual([
      '.metadata.finalizers[="x"]',
      '.metadata.labels.app',
      '.spec.replicas',
      '.spec.template.spec.containers[name="web"]',
      '.spec.template.spec.containers[name="web"].args',
      '.spec.template.spec.containers[name="web"].image',
      '.spec.template.spec.containers[name="web"].name',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"]',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].containerPort',
      '.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].protocol',
    ]);
  });

  it('tracks only status through the status subresource', () => {
    expect(
      [...fieldSetOf(object, deployment, 'status')].map(describePath),
    ).toEqual(['.status.replicas']);
  });
});

describe('FieldsV1', () => {
  it('encodes as Kubernetes does, with "." on owned list items, and round-trips', () => {
    const set = fieldSetOf(object, deployment, 'main');
    const encoded = encodeFieldsV1(set);
    expect(
      encoded['f:spec']['f:template']['f:spec']['f:containers'][
        'k:{"name":"web"}'
      ],
    ).toEqual({
      '.': {},
      'f:args': {},
      'f:image': {},
      'f:name': {},
      'f:ports': {
        'k:{"containerPort":80,"protocol":"TCP"}': {
          '.': {},
          'f:containerPort': {},
          'f:protocol': {},
        },
      },
    });
    expect(encoded['f:metadata']).toEqual({
      'f:finalizers': { 'v:"x"': {} },
      'f:labels': { 'f:app': {} },
    });
    expect(decodeFieldsV1(encoded)).toEqual(set);
  });
});

describe('paths', () => {
  it('reads and removes values through keyed list items, pruning what empties', () => {
    const copy = JSON.parse(JSON.stringify(object));
    const image = joinPath([
      'f:spec',
      'f:template',
      'f:spec',
      'f:containers',
      'k:{"name":"web"}',
      'f:image',
    ]);
    expect(valueAt(copy, image)).toBe('nginx');
    removePath(copy, joinPath(['f:metadata', 'f:labels', 'f:app']));
    expect(copy.metadata.labels).toBeUndefined();
    removePath(
      copy,
      joinPath([
        'f:spec',
        'f:template',
        'f:spec',
        'f:containers',
        'k:{"name":"web"}',
      ]),
    );
    expect(copy.spec.template).toBeUndefined();
    expect(copy.spec.replicas).toBe(2);
  });
});

describe('recordUpdate', () => {
  it('gives changed fields to the updating manager and takes them from others', () => {
    const before = { metadata: { name: 'c' }, data: { a: '1', b: '2' } };
    const after = { metadata: { name: 'c' }, data: { a: '1', b: '3', c: '4' } };
    const entries = recordUpdate({
      entries: [
        {
          manager: 'first',
          operation: 'Apply',
          apiVersion: 'v1',
          fields: fieldSetOf(before, { kind: 'ConfigMap' }),
        },
      ],
      before,
      after,
      ctx: { kind: 'ConfigMap' },
      scope: 'all',
      manager: 'editor',
      apiVersion: 'v1',
      time: '2026-01-01T00:00:00Z',
    });
    expect(
      entries.map(e => [e.manager, [...e.fields].map(describePath).sort()]),
    ).toEqual([
      ['first', ['.data.a']],
      ['editor', ['.data.b', '.data.c']],
    ]);
  });
});
