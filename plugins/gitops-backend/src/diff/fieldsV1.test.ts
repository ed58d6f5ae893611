import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../kube/kubeObject';
import { locateField, managedFieldsOf, readFieldsV1 } from './fieldsV1';

function fixture(name: string): KubeObject {
  return parse(
    fs.readFileSync(path.join(__dirname, 'testdata', `${name}.yaml`), 'utf8'),
  );
}

const live = fixture('deployment-hpa-live');
const desired = fixture('deployment-hpa-desired');

describe('readFieldsV1', () => {
  it('reads fields, list items by key, set values and "." markers', () => {
    const [mooring] = managedFieldsOf(live);
    expect(mooring.manager).toBe('mooring');
    const fields = mooring.fields;
    expect(fields).toContainEqual({
      path: [
        { field: 'metadata' },
        { field: 'annotations' },
        { field: 'mooring.dev/tracking-id' },
      ],
      whole: true,
    });
    expect(fields).toContainEqual({
      path: [
        { field: 'metadata' },
        { field: 'finalizers' },
        { value: 'example.com/keep' },
      ],
      whole: true,
    });
    const web = [
      { field: 'spec' },
      { field: 'template' },
      { field: 'spec' },
      { field: 'containers' },
      { key: { name: 'web' } },
    ];
    // The item itself, its children listed apart.
    expect(fields).toContainEqual({ path: web, whole: false });
    expect(fields).toContainEqual({
      path: [...web, { field: 'image' }],
      whole: true,
    });
    expect(fields).toContainEqual({
      path: [
        ...web,
        { field: 'ports' },
        { key: { containerPort: 8080, protocol: 'TCP' } },
        { field: 'containerPort' },
      ],
      whole: true,
    });
  });

  it('owns a node whole when "." is all it holds, and reads list indexes', () => {
    expect(
      readFieldsV1({ 'f:spec': { 'f:args': { 'i:1': { '.': {} } } } }),
    ).toEqual([
      {
        path: [{ field: 'spec' }, { field: 'args' }, { index: 1 }],
        whole: true,
      },
    ]);
    expect(readFieldsV1({})).toEqual([]);
    expect(readFieldsV1(undefined)).toEqual([]);
  });

  it('refuses what is not FieldsV1, naming the object and the manager', () => {
    expect(() => readFieldsV1({ 'x:spec': {} })).toThrow(
      "'x:spec' is not a FieldsV1 field",
    );
    expect(() => readFieldsV1({ 'k:["web"]': {} })).toThrow(/k:\["web"\]/);
    expect(() => readFieldsV1({ 'v:{oops': {} })).toThrow(/v:\{oops/);
    expect(() => readFieldsV1({ 'i:01': {} })).toThrow(/i:01/);
    expect(() => readFieldsV1({ 'f:spec': 'x' })).toThrow(/not an object/);
    expect(() =>
      managedFieldsOf({
        ...live,
        metadata: {
          ...live.metadata,
          managedFields: [
            { manager: 'old-tool', fieldsType: 'FieldsV2', fieldsV1: {} },
          ],
        },
      }),
    ).toThrow(
      "Cannot read metadata.managedFields of Deployment web (manager 'old-tool'): fieldsType is 'FieldsV2'",
    );
  });
});

describe('locateField', () => {
  const containers = [
    { field: 'spec' },
    { field: 'template' },
    { field: 'spec' },
    { field: 'containers' },
  ];

  it('finds list items by their keys, in the live object and in the manifest', () => {
    const proxy = [
      ...containers,
      { key: { name: 'web' } },
      { field: 'env' },
      { key: { name: 'PROXY' } },
      { field: 'value' },
    ];
    expect(locateField(live, proxy)).toEqual([
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'env',
      1,
      'value',
    ]);
    expect(
      locateField(live, [...containers, { key: { name: 'proxy' } }]),
    ).toEqual(['spec', 'template', 'spec', 'containers', 1]);
    expect(
      locateField(desired, [...containers, { key: { name: 'proxy' } }]),
    ).toBeUndefined();
  });

  it('matches a port whose protocol the manifest leaves to its default', () => {
    const port = [
      ...containers,
      { key: { name: 'web' } },
      { field: 'ports' },
      { key: { containerPort: 8080, protocol: 'TCP' } },
    ];
    expect(locateField(desired, port)).toEqual([
      'spec',
      'template',
      'spec',
      'containers',
      0,
      'ports',
      0,
    ]);
    expect(
      locateField(desired, [
        ...port.slice(0, -1),
        { key: { containerPort: 8080, protocol: 'UDP' } },
      ]),
    ).toBeUndefined();
  });

  it('finds set items by value and list items by index, and nothing that is not there', () => {
    expect(
      locateField(live, [
        { field: 'metadata' },
        { field: 'finalizers' },
        { value: 'example.com/keep' },
      ]),
    ).toEqual(['metadata', 'finalizers', 0]);
    expect(
      locateField(live, [
        { field: 'metadata' },
        { field: 'finalizers' },
        { value: 'example.com/other' },
      ]),
    ).toBeUndefined();
    expect(locateField(live, [...containers, { index: 1 }])).toEqual([
      'spec',
      'template',
      'spec',
      'containers',
      1,
    ]);
    expect(locateField(live, [...containers, { index: 2 }])).toBeUndefined();
    expect(
      locateField(live, [{ field: 'spec' }, { field: 'constructor' }]),
    ).toBeUndefined();
    expect(
      locateField(live, [{ field: 'spec' }, { key: { name: 'x' } }]),
    ).toBeUndefined();
  });
});
