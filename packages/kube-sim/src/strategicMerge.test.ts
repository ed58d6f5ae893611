import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  jsonPatch,
  mergePatch,
  PatchError,
  strategicMerge,
} from './strategicMerge';

const fixture = (name: string) =>
  parse(readFileSync(join(__dirname, '__fixtures__', name), 'utf8'));

const deployment = { kind: 'Deployment' };

describe('strategicMerge', () => {
  it('merges containers and env by name, deletes with $patch and null, replaces args', () => {
    const result = strategicMerge(
      fixture('deployment-live.yaml'),
      fixture('deployment-patch.yaml'),
      deployment,
    );
    expect(result.metadata.labels).toEqual({ app: 'web' });
    const [web, sidecar] = result.spec.template.spec.containers;
    expect(web.image).toBe('nginx:1.28');
    expect(web.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(web.env).toEqual([
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'TRACE', value: 'on' },
    ]);
    expect(sidecar).toEqual({
      name: 'sidecar',
      image: 'envoy:1.30',
      args: ['--verbose'],
    });
  });

  it('replaces a whole list with $patch: replace', () => {
    const result = strategicMerge(
      fixture('deployment-live.yaml'),
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'only', image: 'busybox' },
                { $patch: 'replace' },
              ],
            },
          },
        },
      },
      deployment,
    );
    expect(result.spec.template.spec.containers).toEqual([
      { name: 'only', image: 'busybox' },
    ]);
  });

  it('honours $setElementOrder and $deleteFromPrimitiveList', () => {
    const live = {
      metadata: { finalizers: ['a', 'b', 'c'] },
      spec: {
        template: { spec: { containers: [{ name: 'x' }, { name: 'y' }] } },
      },
    };
    const result = strategicMerge(
      live,
      {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] },
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'y' }, { name: 'x' }],
            },
          },
        },
      },
      deployment,
    );
    expect(result.metadata.finalizers).toEqual(['a', 'c']);
    expect(
      result.spec.template.spec.containers.map((c: any) => c.name),
    ).toEqual(['y', 'x']);
  });

  it('refuses list items without their merge key, naming the list', () => {
    expect(() =>
      strategicMerge(
        fixture('deployment-live.yaml'),
        { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
        deployment,
      ),
    ).toThrow(/spec\.template\.spec\.containers has no merge key "name"/);
  });

  it('replaces lists of custom resources whole', () => {
    const result = strategicMerge(
      { spec: { items: [1, 2] } },
      { spec: { items: [3] } },
      { kind: 'Widget', custom: true },
    );
    expect(result.spec.items).toEqual([3]);
  });
});

describe('mergePatch', () => {
  it('follows RFC 7386: null deletes, objects merge, lists replace', () => {
    expect(
      mergePatch(
        { a: 1, b: { c: 2, d: 3 }, l: [1, 2] },
        { a: null, b: { c: 5 }, l: [9] },
      ),
    ).toEqual({
      b: { c: 5, d: 3 },
      l: [9],
    });
  });
});

describe('jsonPatch', () => {
  it('applies add, replace, remove, move, copy and test', () => {
    const doc = { metadata: { labels: { a: 'x' } }, list: [1, 2] };
    const result = jsonPatch(doc, [
      { op: 'test', path: '/metadata/labels/a', value: 'x' },
      { op: 'add', path: '/metadata/labels/b~1c', value: 'y' },
      { op: 'replace', path: '/list/0', value: 7 },
      { op: 'add', path: '/list/-', value: 3 },
      { op: 'copy', from: '/list/0', path: '/first' },
      { op: 'move', from: '/metadata/labels/a', path: '/moved' },
      { op: 'remove', path: '/list/1' },
    ]);
    expect(result).toEqual({
      metadata: { labels: { 'b/c': 'y' } },
      list: [7, 3],
      first: 7,
      moved: 'x',
    });
    expect(doc.list).toEqual([1, 2]);
  });

  it('fails a test operation and a missing path with a clear error', () => {
    expect(() =>
      jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]),
    ).toThrow(PatchError);
    expect(() => jsonPatch({ a: 1 }, [{ op: 'remove', path: '/b' }])).toThrow(
      /"\/b" does not exist/,
    );
  });
});
